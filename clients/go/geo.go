package diskdb

import "strings"

// GeoLocation is a member of a geo set and where it is. GeoAdd reads Name,
// Longitude and Latitude; GeoSearchLocation fills in Dist and GeoHash too.
type GeoLocation struct {
	Name                string
	Longitude, Latitude float64
	// Dist is the distance from the search's centre, in its Unit, rounded by
	// the server to 4 decimals (GeoSearchLocation only).
	Dist float64
	// GeoHash is the member's score: its 52-bit geohash (GeoSearchLocation
	// only).
	GeoHash int64
}

// GeoPos is a member's position as GeoPos returns it: the centre of the
// geohash cell it was stored in, not exactly what was added.
type GeoPos struct {
	Longitude, Latitude float64
}

// GeoAddOptions are GEOADD's optional modifiers.
type GeoAddOptions struct {
	// NX only adds new members; XX only moves existing ones. Not both.
	NX, XX bool
	// CH counts the members moved as well as those added.
	CH bool
}

// GeoAdd adds the locations to the geo set (a sorted set scored by geohash)
// at key, or moves members it already has, and returns how many were added.
// A longitude outside ±180 or a latitude outside ±85.05112878 is an *Error:
// "ERR invalid longitude,latitude pair ...".
func (c cmdable) GeoAdd(key string, locs ...GeoLocation) (int64, error) {
	return c.GeoAddWithOptions(key, GeoAddOptions{}, locs...)
}

// GeoAddWithOptions is GeoAdd with NX, XX or CH.
func (c cmdable) GeoAddWithOptions(key string, opt GeoAddOptions, locs ...GeoLocation) (int64, error) {
	args := []interface{}{"GEOADD", key}
	if opt.NX {
		args = append(args, "NX")
	}
	if opt.XX {
		args = append(args, "XX")
	}
	if opt.CH {
		args = append(args, "CH")
	}
	for _, l := range locs {
		args = append(args, l.Longitude, l.Latitude, l.Name)
	}
	v, err := c(&cmd{args: args, dec: decInt})
	n, _ := v.(int64)
	return n, err
}

// GeoPos returns each member's position, with a nil entry for a member (or
// key) that does not exist.
func (c cmdable) GeoPos(key string, members ...string) ([]*GeoPos, error) {
	v, err := c.do(decGeoPos, keysArgs(members, "GEOPOS", key)...)
	p, _ := v.([]*GeoPos)
	return p, err
}

// GeoDist returns the distance between two members in unit ("m", "km", "mi"
// or "ft"; "" for the server's default, metres), rounded by the server to 4
// decimals, or ErrNil if either member is missing.
func (c cmdable) GeoDist(key, member1, member2, unit string) (float64, error) {
	args := []interface{}{"GEODIST", key, member1, member2}
	if unit != "" {
		args = append(args, unit)
	}
	return c.doFloat(args...)
}

// GeoHash returns each member's 11-character geohash, "" for a member that
// does not exist (a real hash is never empty).
func (c cmdable) GeoHash(key string, members ...string) ([]string, error) {
	return c.doStrings(keysArgs(members, "GEOHASH", key)...)
}

// GeoSearchQuery says where GeoSearch, GeoSearchLocation and GeoSearchStore
// look: from a member or a point, within a radius or a box.
type GeoSearchQuery struct {
	// Member is the centre (FROMMEMBER); when "", Longitude and Latitude
	// are (FROMLONLAT), zero included.
	Member              string
	Longitude, Latitude float64
	// Radius searches a circle (BYRADIUS) when Width and Height are zero;
	// otherwise the Width x Height box around the centre (BYBOX). Setting
	// both a radius and a box is an argument error; nothing is sent.
	Radius        float64
	Width, Height float64
	// Unit is "m" (also when ""), "km", "mi" or "ft", for the shape and for
	// GeoLocation.Dist.
	Unit string
	// Sort is "ASC" (nearest first), "DESC", or "" for no particular
	// order (but Count without Any sorts nearest first).
	Sort string
	// Count returns at most Count members (0: all); with Any, the first
	// found rather than the nearest.
	Count int64
	Any   bool
}

func (q GeoSearchQuery) args(args []interface{}) ([]interface{}, error) {
	if q.Member != "" {
		args = append(args, "FROMMEMBER", q.Member)
	} else {
		args = append(args, "FROMLONLAT", q.Longitude, q.Latitude)
	}
	unit := q.Unit
	if unit == "" {
		unit = "m"
	}
	if q.Width != 0 || q.Height != 0 {
		if q.Radius != 0 {
			return args, &argError{"GeoSearchQuery: give either a Radius or a Width and Height, not both"}
		}
		args = append(args, "BYBOX", q.Width, q.Height, unit)
	} else {
		args = append(args, "BYRADIUS", q.Radius, unit)
	}
	if q.Sort != "" {
		args = append(args, strings.ToUpper(q.Sort))
	}
	if q.Count != 0 {
		args = append(args, "COUNT", q.Count)
		if q.Any {
			args = append(args, "ANY")
		}
	} else if q.Any {
		return args, &argError{"GeoSearchQuery: Any needs a Count"}
	}
	return args, nil
}

// GeoSearch returns the names of the members of the geo set at key that q
// finds (none for a missing key). A Member that is not in the set is an
// *Error: "ERR could not decode requested zset member".
func (c cmdable) GeoSearch(key string, q GeoSearchQuery) ([]string, error) {
	args, argErr := q.args([]interface{}{"GEOSEARCH", key})
	v, err := c(&cmd{args: args, dec: decStrings, err: argErr})
	s, _ := v.([]string)
	return s, err
}

// GeoSearchLocation is GeoSearch returning each member's position, distance
// from the centre (in q.Unit) and geohash as well (WITHCOORD WITHDIST
// WITHHASH).
func (c cmdable) GeoSearchLocation(key string, q GeoSearchQuery) ([]GeoLocation, error) {
	args, argErr := q.args([]interface{}{"GEOSEARCH", key})
	args = append(args, "WITHCOORD", "WITHDIST", "WITHHASH")
	v, err := c(&cmd{args: args, dec: decGeoLocations, err: argErr})
	l, _ := v.([]GeoLocation)
	return l, err
}

// GeoSearchStore stores what GeoSearch would find in src at dst, replacing
// any value there, and returns how many members it stored: as a geo set, or
// with storeDist as a sorted set scored by distance (in q.Unit).
func (c cmdable) GeoSearchStore(dst, src string, q GeoSearchQuery, storeDist bool) (int64, error) {
	args, argErr := q.args([]interface{}{"GEOSEARCHSTORE", dst, src})
	if storeDist {
		args = append(args, "STOREDIST")
	}
	v, err := c(&cmd{args: args, dec: decInt, err: argErr})
	n, _ := v.(int64)
	return n, err
}

func toFloat(e interface{}) (float64, error) {
	switch f := e.(type) {
	case string:
		return parseFloat(f)
	case int64:
		return float64(f), nil
	}
	return 0, unexpected("float element", e)
}

func toGeoPos(e interface{}) (*GeoPos, error) {
	pair, ok := e.([]interface{})
	if !ok || len(pair) != 2 {
		return nil, unexpected("[longitude, latitude]", e)
	}
	lon, err := toFloat(pair[0])
	if err != nil {
		return nil, err
	}
	lat, err := toFloat(pair[1])
	if err != nil {
		return nil, err
	}
	return &GeoPos{Longitude: lon, Latitude: lat}, nil
}

// decGeoPos reads GEOPOS's [[lon, lat] or nil, ...].
func decGeoPos(reply interface{}) (interface{}, error) {
	arr, ok := reply.([]interface{})
	if !ok {
		return nil, unexpected("array", reply)
	}
	out := make([]*GeoPos, len(arr))
	for i, e := range arr {
		if e == nil {
			continue
		}
		p, err := toGeoPos(e)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// decGeoLocations reads GEOSEARCH ... WITHCOORD WITHDIST WITHHASH:
// [[name, dist, hash, [lon, lat]], ...].
func decGeoLocations(reply interface{}) (interface{}, error) {
	arr, ok := reply.([]interface{})
	if !ok {
		return nil, unexpected("array", reply)
	}
	out := make([]GeoLocation, len(arr))
	for i, e := range arr {
		item, ok := e.([]interface{})
		if !ok || len(item) != 4 {
			return nil, unexpected("[name, dist, hash, [lon, lat]]", e)
		}
		name, ok1 := item[0].(string)
		hash, ok2 := item[2].(int64)
		if !ok1 || !ok2 {
			return nil, unexpected("[name, dist, hash, [lon, lat]]", e)
		}
		dist, err := toFloat(item[1])
		if err != nil {
			return nil, err
		}
		pos, err := toGeoPos(item[3])
		if err != nil {
			return nil, err
		}
		out[i] = GeoLocation{Name: name, Longitude: pos.Longitude, Latitude: pos.Latitude, Dist: dist, GeoHash: hash}
	}
	return out, nil
}
