package diskdb

import (
	"strconv"
	"time"
)

// Special values returned by TTL and PTTL, as the server reports them.
const (
	// TTLNoExpiry: the key exists and has no expiry (the server's -1).
	TTLNoExpiry time.Duration = -1
	// TTLKeyMissing: the key does not exist (the server's -2).
	TTLKeyMissing time.Duration = -2
)

// Exists counts how many of keys exist (a key named twice counts twice).
func (c cmdable) Exists(keys ...string) (int64, error) { return c.doInt(keysArgs(keys, "EXISTS")...) }

// Del deletes keys and returns how many existed.
func (c cmdable) Del(keys ...string) (int64, error) { return c.doInt(keysArgs(keys, "DEL")...) }

// Type is the type of the value at key: "string", "list", "set", "zset",
// "hash", "stream", "ReJSON-RL", or "none" when the key does not exist.
func (c cmdable) Type(key string) (string, error) { return c.doString("TYPE", key) }

// Expire sets key to expire after ttl (EXPIRE for whole seconds, else
// PEXPIRE) and reports whether the key exists.
func (c cmdable) Expire(key string, ttl time.Duration) (bool, error) {
	if ttl%time.Second == 0 {
		return c.doBool("EXPIRE", key, int64(ttl/time.Second))
	}
	return c.doBool("PEXPIRE", key, ttl.Milliseconds())
}

// TTL is the time key has left to live, in whole seconds. It returns
// TTLNoExpiry (-1) for a key without expiry and TTLKeyMissing (-2) for a key
// that does not exist; compare with those constants, not with -time.Second.
func (c cmdable) TTL(key string) (time.Duration, error) {
	v, err := c.do(ttlDecoder(time.Second), "TTL", key)
	d, _ := v.(time.Duration)
	return d, err
}

// PTTL is TTL with millisecond precision, with the same -1/-2 values.
func (c cmdable) PTTL(key string) (time.Duration, error) {
	v, err := c.do(ttlDecoder(time.Millisecond), "PTTL", key)
	d, _ := v.(time.Duration)
	return d, err
}

func ttlDecoder(unit time.Duration) decoder {
	return func(reply interface{}) (interface{}, error) {
		v, err := decInt(reply)
		if err != nil {
			return nil, err
		}
		n := v.(int64)
		if n < 0 {
			return time.Duration(n), nil // -1 or -2: a code, not a duration
		}
		return time.Duration(n) * unit, nil
	}
}

// Persist removes key's expiry and reports whether there was one.
func (c cmdable) Persist(key string) (bool, error) { return c.doBool("PERSIST", key) }

// Keys returns every key matching the glob pattern. It walks the whole
// database in one command: prefer Scan or ScanIterator on large databases.
func (c cmdable) Keys(pattern string) ([]string, error) { return c.doStrings("KEYS", pattern) }

// Scan returns one page of keys and the cursor for the next page; start with
// cursor 0 and stop when the returned cursor is 0. match ("" for all) filters
// by glob pattern; count (0 for the server's default) hints at the page size.
// A key may be returned more than once over a full iteration.
func (c cmdable) Scan(cursor uint64, match string, count int64) (keys []string, next uint64, err error) {
	args := []interface{}{"SCAN", cursor}
	if match != "" {
		args = append(args, "MATCH", match)
	}
	if count > 0 {
		args = append(args, "COUNT", count)
	}
	v, err := c.do(decScan, args...)
	page, _ := v.(scanPage)
	return page.keys, page.cursor, err
}

type scanPage struct {
	keys   []string
	cursor uint64
}

// decScan reads SCAN's [cursor, [key, ...]].
func decScan(reply interface{}) (interface{}, error) {
	arr, ok := reply.([]interface{})
	if !ok || len(arr) != 2 {
		return nil, unexpected("[cursor, keys]", reply)
	}
	cs, _ := arr[0].(string)
	cursor, err := strconv.ParseUint(cs, 10, 64)
	if err != nil {
		return nil, unexpected("cursor", arr[0])
	}
	v, err := decStrings(arr[1])
	if err != nil {
		return nil, err
	}
	return scanPage{keys: v.([]string), cursor: cursor}, nil
}

// ScanIterator walks every key matching match with SCAN, one page at a time,
// in the style of bufio.Scanner:
//
//	it := db.ScanIterator("user:*", 100)
//	for it.Next() {
//		fmt.Println(it.Key())
//	}
//	if err := it.Err(); err != nil { ... }
//
// Keys added or removed during the walk may or may not be seen, and a key may
// be seen twice, as with SCAN itself.
type ScanIterator struct {
	db     *DB
	match  string
	count  int64
	cursor uint64
	page   []string
	key    string
	done   bool // the server returned cursor 0: no page after this one
	err    error
}

// ScanIterator starts a walk over keys matching match ("" for all), asking
// for about count keys per page (0 for the server's default). It runs under
// db's context.
func (db *DB) ScanIterator(match string, count int64) *ScanIterator {
	return &ScanIterator{db: db, match: match, count: count}
}

// Next advances to the next key, fetching pages as needed. It returns false
// at the end of the walk or on error (see Err).
func (it *ScanIterator) Next() bool {
	for len(it.page) == 0 {
		if it.done || it.err != nil {
			return false
		}
		it.page, it.cursor, it.err = it.db.Scan(it.cursor, it.match, it.count)
		it.done = it.err == nil && it.cursor == 0
	}
	it.key, it.page = it.page[0], it.page[1:]
	return true
}

// Key is the key Next moved to.
func (it *ScanIterator) Key() string { return it.key }

// Err is the error that ended the walk early, if any.
func (it *ScanIterator) Err() error { return it.err }

// Rename renames key to newKey, overwriting newKey. A missing key is an
// *Error ("ERR no such key").
func (c cmdable) Rename(key, newKey string) error { return c.doOK("RENAME", key, newKey) }

// SortOptions are SORT's optional modifiers.
type SortOptions struct {
	// By sorts by the values of other keys rather than by the elements
	// themselves: a pattern whose first "*" is replaced by each element
	// ("weight_*"), or that ends in "->field" to read a hash field
	// ("w_*->f"). A missing key sorts as 0 (with Alpha, before any string).
	// "nosort" skips sorting: the elements come in their stored order (a
	// sorted set's by score).
	By string
	// Offset and Count return only Count elements from Offset on (LIMIT),
	// after sorting. They are sent when either is non-zero; a negative
	// Count means every element from Offset on.
	Offset, Count int64
	// Get returns, instead of each element, the values of the keys these
	// patterns name (written as for By; "#" is the element itself): one
	// value per pattern for each element, in order. A missing key gives nil
	// (Sort, SortRO) or "" (SortStore).
	Get []string
	// Desc sorts from the largest down.
	Desc bool
	// Alpha compares the elements (or By values) as strings rather than as
	// numbers. Without it a value that is not a number is an *Error:
	// "ERR One or more scores can't be converted into double".
	Alpha bool
}

func sortArgs(name, key string, opt []SortOptions) []interface{} {
	args := []interface{}{name, key}
	if len(opt) == 0 {
		return args
	}
	o := opt[0]
	if o.By != "" {
		args = append(args, "BY", o.By)
	}
	if o.Offset != 0 || o.Count != 0 {
		args = append(args, "LIMIT", o.Offset, o.Count)
	}
	for _, g := range o.Get {
		args = append(args, "GET", g)
	}
	if o.Desc {
		args = append(args, "DESC")
	}
	if o.Alpha {
		args = append(args, "ALPHA")
	}
	return args
}

// Sort returns the elements of the list, set or sorted set at key (none for
// a missing key), sorted as numbers, smallest first; opt, at most one,
// changes that (SortOptions). Like MGet's, each element of the result is a
// string, or nil where a SortOptions.Get pattern names a missing key.
func (c cmdable) Sort(key string, opt ...SortOptions) ([]interface{}, error) {
	v, err := c.do(decAny, sortArgs("SORT", key, opt)...)
	vals, _ := v.([]interface{})
	return vals, err
}

// SortRO is Sort as SORT_RO, the read-only form that replicas and read-only
// users may run.
func (c cmdable) SortRO(key string, opt ...SortOptions) ([]interface{}, error) {
	v, err := c.do(decAny, sortArgs("SORT_RO", key, opt)...)
	vals, _ := v.([]interface{})
	return vals, err
}

// SortStore stores what Sort would return as a list at dest, replacing any
// value there (an empty result deletes dest), and returns its length.
func (c cmdable) SortStore(key, dest string, opt ...SortOptions) (int64, error) {
	return c.doInt(append(sortArgs("SORT", key, opt), "STORE", dest)...)
}

// DBSize is the number of keys in the selected database.
func (c cmdable) DBSize() (int64, error) { return c.doInt("DBSIZE") }

// FlushDB deletes every key in the selected database.
func (c cmdable) FlushDB() error { return c.doOK("FLUSHDB") }

// Dump returns the value at key serialized in Redis's DUMP format: an opaque,
// binary payload (type, value, RDB version and CRC-64 checksum) that Restore
// turns back into a key, on this server or another one. The key's expiry is
// not part of it (read it with PTTL). A missing key is ErrNil.
func (c cmdable) Dump(key string) ([]byte, error) {
	v, err := c.do(decBytes, "DUMP", key)
	b, _ := v.([]byte)
	return b, err
}

func decBytes(reply interface{}) (interface{}, error) {
	v, err := decString(reply)
	if err != nil {
		return nil, err
	}
	return []byte(v.(string)), nil
}

// RestoreOptions are RESTORE's optional modifiers.
type RestoreOptions struct {
	// Replace overwrites an existing key (REPLACE). Without it, restoring
	// onto an existing key is an *Error with code BUSYKEY and the key is left
	// as it was.
	Replace bool
	// ExpireAt, when not the zero Time, gives the key an absolute expiry
	// (sent as a Unix time in milliseconds with ABSTTL) instead of ttl, which
	// must then be 0. A time already past restores nothing: the server
	// answers OK and the key does not exist afterwards.
	ExpireAt time.Time
	// IdleTime, when non-zero, sets the key's LRU idle time (IDLETIME, in
	// whole seconds, truncated). The server keeps it only under an LRU
	// maxmemory-policy.
	IdleTime time.Duration
	// Freq, when non-nil, sets the key's LFU access counter (FREQ, 0 to
	// 255). The server keeps it only under an LFU maxmemory-policy. A pointer
	// because 0 is a valid counter. IDLETIME and FREQ exclude each other:
	// the server answers "ERR syntax error" to both.
	Freq *int
}

// Restore creates key from a payload made by Dump. ttl is the key's time to
// live, sent in milliseconds (a positive ttl under 1ms counts as 1ms, so it
// still expires); 0, or TTLNoExpiry as PTTL reports it for a key without
// expiry, restores the key without expiry. A negative ttl is sent for the
// server to reject. opt, at most one, adds RESTORE's modifiers (REPLACE,
// ABSTTL, IDLETIME, FREQ).
//
// The server's errors come back as *Error with its exact text:
// "BUSYKEY Target key name already exists." when key exists and Replace is
// not set, "ERR DUMP payload version or checksum are wrong" for a payload
// that is damaged or from a newer RDB version, "ERR Bad data format" for one
// whose checksum holds but whose contents do not parse.
func (c cmdable) Restore(key string, ttl time.Duration, payload []byte, opt ...RestoreOptions) error {
	var ms int64
	switch {
	case ttl == TTLNoExpiry:
	case ttl > 0 && ttl < time.Millisecond:
		ms = 1
	case ttl < 0 && ttl > -time.Millisecond:
		ms = -1
	default:
		ms = ttl.Milliseconds()
	}
	var o RestoreOptions
	if len(opt) > 0 {
		o = opt[0]
	}
	var argErr error
	if !o.ExpireAt.IsZero() {
		if ttl != 0 {
			argErr = &argError{"Restore: give either a ttl or RestoreOptions.ExpireAt, not both"}
		}
		// 0 would mean no expiry: an instant at or before the epoch is
		// simply in the past.
		if ms = o.ExpireAt.UnixMilli(); ms < 1 {
			ms = 1
		}
	}
	args := []interface{}{"RESTORE", key, ms, payload}
	if o.Replace {
		args = append(args, "REPLACE")
	}
	if !o.ExpireAt.IsZero() {
		args = append(args, "ABSTTL")
	}
	if o.IdleTime != 0 {
		secs := int64(o.IdleTime / time.Second)
		if secs == 0 && o.IdleTime < 0 {
			secs = -1 // still negative, for the server to reject
		}
		args = append(args, "IDLETIME", secs)
	}
	if o.Freq != nil {
		args = append(args, "FREQ", *o.Freq)
	}
	_, err := c(&cmd{args: args, dec: decString, err: argErr})
	return err
}
