package diskdb_test

import (
	"errors"
	"strings"
	"testing"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

// The numbers below are Redis's; DiskDB stores the same geohash scores, so it
// gives the same positions, distances and hashes.
var (
	palermo = diskdb.GeoPos{Longitude: 13.36138933897018433, Latitude: 38.11555639549629859}
	catania = diskdb.GeoPos{Longitude: 15.08726745843887329, Latitude: 37.50266842333162032}
)

func sicily(t *testing.T) *diskdb.DB {
	t.Helper()
	db := freshDB(t)
	n, err := db.GeoAdd("Sicily",
		diskdb.GeoLocation{Name: "Palermo", Longitude: 13.361389, Latitude: 38.115556},
		diskdb.GeoLocation{Name: "Catania", Longitude: 15.087269, Latitude: 37.502669})
	ok(t, err)
	eq(t, n, int64(2))
	return db
}

func TestGeoAdd(t *testing.T) {
	db := sicily(t)
	moved := diskdb.GeoLocation{Name: "Palermo", Longitude: 13.5, Latitude: 38}
	newplace := diskdb.GeoLocation{Name: "Newplace", Longitude: 15, Latitude: 37}
	n, err := db.GeoAddWithOptions("Sicily", diskdb.GeoAddOptions{XX: true, CH: true}, newplace)
	ok(t, err)
	eq(t, n, int64(0)) // XX: not added
	n, err = db.GeoAddWithOptions("Sicily", diskdb.GeoAddOptions{NX: true, CH: true}, moved, newplace)
	ok(t, err)
	eq(t, n, int64(1)) // NX: Palermo stays
	pos, err := db.GeoPos("Sicily", "Palermo")
	ok(t, err)
	eq(t, pos, []*diskdb.GeoPos{&palermo})
	n, err = db.GeoAdd("Sicily", moved)
	ok(t, err)
	eq(t, n, int64(0)) // moved, none added
	n, err = db.GeoAddWithOptions("Sicily", diskdb.GeoAddOptions{CH: true}, diskdb.GeoLocation{Name: "Palermo"})
	ok(t, err)
	eq(t, n, int64(1)) // moved, counted with CH
	n, _ = db.ZCard("Sicily")
	eq(t, n, int64(3))

	_, err = db.GeoAdd("Sicily", diskdb.GeoLocation{Name: "nowhere", Longitude: 200, Latitude: 38})
	var e *diskdb.Error
	if !errors.As(err, &e) || e.Msg != "ERR invalid longitude,latitude pair 200.000000,38.000000" {
		t.Fatalf("GEOADD 200 38: got %v", err)
	}
}

func TestGeoPosDistHash(t *testing.T) {
	db := sicily(t)
	pos, err := db.GeoPos("Sicily", "Palermo", "nope", "Catania")
	ok(t, err)
	eq(t, pos, []*diskdb.GeoPos{&palermo, nil, &catania})
	pos, err = db.GeoPos("missing", "Palermo")
	ok(t, err)
	eq(t, pos, []*diskdb.GeoPos{nil})

	d, err := db.GeoDist("Sicily", "Palermo", "Catania", "")
	ok(t, err)
	eq(t, d, 166274.1516)
	d, err = db.GeoDist("Sicily", "Palermo", "Catania", "km")
	ok(t, err)
	eq(t, d, 166.2742)
	d, err = db.GeoDist("Sicily", "Palermo", "Catania", "mi")
	ok(t, err)
	eq(t, d, 103.3182)
	_, err = db.GeoDist("Sicily", "Palermo", "nope", "km")
	wantErr(t, err, diskdb.ErrNil)

	h, err := db.GeoHash("Sicily", "Palermo", "Catania", "nope")
	ok(t, err)
	eq(t, h, []string{"sqc8b49rny0", "sqdtr74hyu0", ""})
}

func TestGeoSearch(t *testing.T) {
	db := sicily(t)
	q := diskdb.GeoSearchQuery{Longitude: 15, Latitude: 37, Radius: 200, Unit: "km"}
	names, err := db.GeoSearch("Sicily", q)
	ok(t, err)
	eq(t, names, []string{"Palermo", "Catania"})
	q.Sort = "ASC"
	names, err = db.GeoSearch("Sicily", q)
	ok(t, err)
	eq(t, names, []string{"Catania", "Palermo"})
	q.Count, q.Any = 2, true
	names, err = db.GeoSearch("Sicily", q)
	ok(t, err)
	eq(t, names, []string{"Catania", "Palermo"})

	locs, err := db.GeoSearchLocation("Sicily", diskdb.GeoSearchQuery{Longitude: 15, Latitude: 37, Radius: 200, Unit: "km", Sort: "ASC"})
	ok(t, err)
	eq(t, locs, []diskdb.GeoLocation{
		{Name: "Catania", Longitude: catania.Longitude, Latitude: catania.Latitude, Dist: 56.4413, GeoHash: 3479447370796909},
		{Name: "Palermo", Longitude: palermo.Longitude, Latitude: palermo.Latitude, Dist: 190.4424, GeoHash: 3479099956230698},
	})
	locs, err = db.GeoSearchLocation("Sicily", diskdb.GeoSearchQuery{Member: "Palermo", Width: 400, Height: 400, Unit: "km", Sort: "desc", Count: 1})
	ok(t, err)
	eq(t, locs, []diskdb.GeoLocation{
		{Name: "Catania", Longitude: catania.Longitude, Latitude: catania.Latitude, Dist: 166.2742, GeoHash: 3479447370796909},
	})
	names, err = db.GeoSearch("Sicily", diskdb.GeoSearchQuery{Longitude: 15, Latitude: 37, Radius: 100000})
	ok(t, err)
	eq(t, names, []string{"Catania"}) // metres by default
	names, err = db.GeoSearch("missing", q)
	ok(t, err)
	eq(t, names, []string{})

	_, err = db.GeoSearch("Sicily", diskdb.GeoSearchQuery{Member: "nope", Radius: 1})
	var e *diskdb.Error
	if !errors.As(err, &e) || e.Msg != "ERR could not decode requested zset member" {
		t.Fatalf("GEOSEARCH FROMMEMBER nope: got %v", err)
	}
	// Argument errors: nothing is sent.
	for _, bad := range []diskdb.GeoSearchQuery{
		{Member: "Palermo", Radius: 1, Width: 1, Height: 1},
		{Member: "Palermo", Radius: 1, Any: true},
	} {
		if _, err := db.GeoSearch("Sicily", bad); err == nil || !strings.HasPrefix(err.Error(), "diskdb: GeoSearchQuery") {
			t.Fatalf("GeoSearch(%+v): got %v", bad, err)
		}
	}
}

func TestGeoSearchStore(t *testing.T) {
	db := sicily(t)
	q := diskdb.GeoSearchQuery{Longitude: 15, Latitude: 37, Radius: 200, Unit: "km", Count: 1}
	n, err := db.GeoSearchStore("dst", "Sicily", q, false)
	ok(t, err)
	eq(t, n, int64(1))
	zs, err := db.ZRangeWithScores("dst", 0, -1)
	ok(t, err)
	eq(t, zs, []diskdb.Z{{Score: 3479447370796909, Member: "Catania"}})
	q.Count = 0
	q.Sort = "ASC"
	n, err = db.GeoSearchStore("dst", "Sicily", q, true)
	ok(t, err)
	eq(t, n, int64(2))
	zs, err = db.ZRangeWithScores("dst", 0, -1)
	ok(t, err)
	eq(t, zs, []diskdb.Z{{Score: 56.4412578701582, Member: "Catania"}, {Score: 190.44242984775784, Member: "Palermo"}})
}

func TestGeoInPipeline(t *testing.T) {
	db := freshDB(t)
	p := db.Pipeline()
	p.GeoAdd("g", diskdb.GeoLocation{Name: "Catania", Longitude: 15.087269, Latitude: 37.502669})
	p.GeoPos("g", "Catania")
	p.GeoDist("g", "Catania", "Catania", "km")
	p.GeoHash("g", "Catania")
	p.GeoSearch("g", diskdb.GeoSearchQuery{Member: "Catania", Radius: 1})
	p.GeoSearchStore("dst", "g", diskdb.GeoSearchQuery{Member: "Catania", Radius: 1}, true)
	results, err := p.Exec()
	ok(t, err)
	eq(t, results, []interface{}{
		int64(1), []*diskdb.GeoPos{&catania}, 0.0, []string{"sqdtr74hyu0"}, []string{"Catania"}, int64(1),
	})
}
