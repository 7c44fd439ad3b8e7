package diskdb_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

func TestExistsDelType(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("a", "1"))
	ok(t, db.Set("b", "2"))
	n, err := db.Exists("a", "b", "missing", "a")
	ok(t, err)
	eq(t, n, int64(3)) // a key named twice counts twice

	typ, err := db.Type("a")
	ok(t, err)
	eq(t, typ, "string")
	typ, err = db.Type("missing")
	ok(t, err)
	eq(t, typ, "none")

	n, err = db.Del("a", "b", "missing")
	ok(t, err)
	eq(t, n, int64(2))
	n, _ = db.Exists("a", "b")
	eq(t, n, int64(0))
}

func TestExpireTTLPersist(t *testing.T) {
	db := freshDB(t)
	ttl, err := db.TTL("missing")
	ok(t, err)
	eq(t, ttl, diskdb.TTLKeyMissing)
	ttl, err = db.PTTL("missing")
	ok(t, err)
	eq(t, ttl, diskdb.TTLKeyMissing)

	ok(t, db.Set("k", "v"))
	ttl, err = db.TTL("k")
	ok(t, err)
	eq(t, ttl, diskdb.TTLNoExpiry)

	set, err := db.Expire("missing", time.Minute)
	ok(t, err)
	eq(t, set, false)
	set, err = db.Expire("k", time.Minute)
	ok(t, err)
	eq(t, set, true)
	ttl, _ = db.TTL("k")
	if ttl <= 58*time.Second || ttl > time.Minute {
		t.Fatalf("TTL after EXPIRE 60 = %v", ttl)
	}

	cleared, err := db.Persist("k")
	ok(t, err)
	eq(t, cleared, true)
	cleared, err = db.Persist("k")
	ok(t, err)
	eq(t, cleared, false)
	ttl, _ = db.TTL("k")
	eq(t, ttl, diskdb.TTLNoExpiry)

	// A sub-second expiry goes as PEXPIRE, and the key really goes away.
	set, err = db.Expire("k", 150*time.Millisecond)
	ok(t, err)
	eq(t, set, true)
	pttl, _ := db.PTTL("k")
	if pttl <= 0 || pttl > 150*time.Millisecond {
		t.Fatalf("PTTL after PEXPIRE 150 = %v", pttl)
	}
	time.Sleep(300 * time.Millisecond)
	_, err = db.Get("k")
	wantErr(t, err, diskdb.ErrNil)
}

func TestKeysScan(t *testing.T) {
	db := freshDB(t)
	want := map[string]bool{}
	for i := 0; i < 120; i++ {
		k := fmt.Sprintf("user:%03d", i)
		want[k] = true
		ok(t, db.Set(k, i))
	}
	ok(t, db.Set("other", "x"))

	keys, err := db.Keys("user:*")
	ok(t, err)
	eq(t, len(keys), 120)
	keys, err = db.Keys("user:00?")
	ok(t, err)
	eq(t, sorted(keys), []string{"user:000", "user:001", "user:002", "user:003", "user:004",
		"user:005", "user:006", "user:007", "user:008", "user:009"})

	// Scan by hand: pages until the cursor comes back to 0.
	seen := map[string]bool{}
	cursor := uint64(0)
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("SCAN did not finish")
		}
		var page []string
		page, cursor, err = db.Scan(cursor, "user:*", 20)
		ok(t, err)
		for _, k := range page {
			seen[k] = true
		}
		if cursor == 0 {
			break
		}
	}
	eq(t, seen, want)

	// The iterator sees every key, including with no pattern.
	seen = map[string]bool{}
	it := db.ScanIterator("user:*", 7)
	for it.Next() {
		seen[it.Key()] = true
	}
	ok(t, it.Err())
	eq(t, seen, want)

	all := 0
	it = db.ScanIterator("", 0)
	for it.Next() {
		all++
	}
	ok(t, it.Err())
	if all < 121 { // duplicates are allowed, misses are not
		t.Fatalf("ScanIterator over everything saw %d keys, want 121", all)
	}
}

func TestRename(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("a", "1"))
	ok(t, db.Set("b", "old"))
	ok(t, db.Rename("a", "b"))
	v, _ := db.Get("b")
	eq(t, v, "1")
	n, _ := db.Exists("a")
	eq(t, n, int64(0))

	err := db.Rename("missing", "c")
	skipIfUnsupported(t, err)
	var e *diskdb.Error
	if !errors.As(err, &e) || e.Msg != "ERR no such key" {
		t.Fatalf("RENAME of a missing key: got %v", err)
	}
}

func TestDBSizeFlushDB(t *testing.T) {
	db := freshDB(t)
	n, err := db.DBSize()
	ok(t, err)
	eq(t, n, int64(0))
	ok(t, db.MSet(map[string]interface{}{"a": 1, "b": 2, "c": 3}))
	n, err = db.DBSize()
	ok(t, err)
	eq(t, n, int64(3))
	ok(t, db.FlushDB())
	n, _ = db.DBSize()
	eq(t, n, int64(0))
}

// sortData stores a list to sort, with a weight per element in plain keys
// (weight_*) and in a hash field (w_*->f), and a name per element (name_*)
// except for 10, which has none.
func sortData(t *testing.T) *diskdb.DB {
	t.Helper()
	db := freshDB(t)
	_, err := db.RPush("ids", 3, 10, 1, 2)
	ok(t, err)
	ok(t, db.MSet(map[string]interface{}{"weight_1": 40, "weight_2": 30, "weight_3": 20, "weight_10": 10,
		"name_1": "one", "name_2": "two", "name_3": "three"}))
	for el, w := range map[int]int{1: 2, 2: 4, 3: 1, 10: 3} {
		_, err := db.HSet(fmt.Sprintf("w_%d", el), "f", w)
		ok(t, err)
	}
	return db
}

// sortIs runs Sort (or SortRO) and compares its result.
func sortIs(t *testing.T, got []interface{}, err error, want ...interface{}) {
	t.Helper()
	ok(t, err)
	if want == nil {
		want = []interface{}{}
	}
	eq(t, got, want)
}

func TestSortNumericDescLimit(t *testing.T) {
	db := sortData(t)
	got, err := db.Sort("ids")
	sortIs(t, got, err, "1", "2", "3", "10") // as numbers, not as text
	got, err = db.Sort("ids", diskdb.SortOptions{Desc: true})
	sortIs(t, got, err, "10", "3", "2", "1")
	got, err = db.Sort("ids", diskdb.SortOptions{Offset: 1, Count: 2})
	sortIs(t, got, err, "2", "3")
	got, err = db.Sort("ids", diskdb.SortOptions{Offset: 1, Count: 2, Desc: true})
	sortIs(t, got, err, "3", "2")
	got, err = db.Sort("ids", diskdb.SortOptions{Offset: 2, Count: -1})
	sortIs(t, got, err, "3", "10")
	got, err = db.Sort("missing")
	sortIs(t, got, err)

	_, err = db.SAdd("set", 5, -1.5, 2)
	ok(t, err)
	got, err = db.Sort("set")
	sortIs(t, got, err, "-1.5", "2", "5")
}

func TestSortAlpha(t *testing.T) {
	db := freshDB(t)
	_, err := db.RPush("nums", 10, 9, 100)
	ok(t, err)
	got, err := db.Sort("nums", diskdb.SortOptions{Alpha: true})
	sortIs(t, got, err, "10", "100", "9")
	got, err = db.Sort("nums", diskdb.SortOptions{Alpha: true, Desc: true})
	sortIs(t, got, err, "9", "100", "10")
	_, err = db.ZAdd("fruit", diskdb.Z{Score: 1, Member: "cherry"}, diskdb.Z{Score: 2, Member: "apple"},
		diskdb.Z{Score: 3, Member: "banana"})
	ok(t, err)
	got, err = db.Sort("fruit", diskdb.SortOptions{Alpha: true}) // by member, not by score
	sortIs(t, got, err, "apple", "banana", "cherry")
}

func TestSortBy(t *testing.T) {
	db := sortData(t)
	got, err := db.Sort("ids", diskdb.SortOptions{By: "weight_*"})
	sortIs(t, got, err, "10", "3", "2", "1")
	got, err = db.Sort("ids", diskdb.SortOptions{By: "weight_*", Desc: true})
	sortIs(t, got, err, "1", "2", "3", "10")
	got, err = db.Sort("ids", diskdb.SortOptions{By: "w_*->f"})
	sortIs(t, got, err, "3", "1", "10", "2")
	// A missing weight counts as 0.
	_, err = db.Del("weight_2")
	ok(t, err)
	got, err = db.Sort("ids", diskdb.SortOptions{By: "weight_*"})
	sortIs(t, got, err, "2", "10", "3", "1")

	// nosort: the stored order (a list's; a sorted set's by score).
	got, err = db.Sort("ids", diskdb.SortOptions{By: "nosort"})
	sortIs(t, got, err, "3", "10", "1", "2")
	_, err = db.ZAdd("z", diskdb.Z{Score: 1, Member: "b"}, diskdb.Z{Score: 2, Member: "a"})
	ok(t, err)
	got, err = db.Sort("z", diskdb.SortOptions{By: "nosort"})
	sortIs(t, got, err, "b", "a")
}

func TestSortGet(t *testing.T) {
	db := sortData(t)
	got, err := db.Sort("ids", diskdb.SortOptions{Get: []string{"name_*"}})
	sortIs(t, got, err, "one", "two", "three", nil)
	got, err = db.Sort("ids", diskdb.SortOptions{Get: []string{"#", "name_*"}})
	sortIs(t, got, err, "1", "one", "2", "two", "3", "three", "10", nil)
	got, err = db.Sort("ids", diskdb.SortOptions{By: "weight_*", Get: []string{"w_*->f"}})
	sortIs(t, got, err, "3", "1", "4", "2")
	got, err = db.Sort("ids", diskdb.SortOptions{By: "nosort", Get: []string{"name_*"}})
	sortIs(t, got, err, "three", nil, "one", "two")
	got, err = db.Sort("ids", diskdb.SortOptions{Get: []string{"name_*"}, Offset: 2, Count: 2, Desc: true})
	sortIs(t, got, err, "two", "one")
}

func TestSortStore(t *testing.T) {
	db := sortData(t)
	n, err := db.SortStore("ids", "dst", diskdb.SortOptions{Desc: true})
	ok(t, err)
	eq(t, n, int64(4))
	l, _ := db.LRange("dst", 0, -1)
	eq(t, l, []string{"10", "3", "2", "1"})

	// STORE replaces a key of any type; a missing Get key is stored as "".
	ok(t, db.Set("s", "x"))
	n, err = db.SortStore("ids", "s", diskdb.SortOptions{Get: []string{"name_*"}})
	ok(t, err)
	eq(t, n, int64(4))
	typ, _ := db.Type("s")
	eq(t, typ, "list")
	l, _ = db.LRange("s", 0, -1)
	eq(t, l, []string{"one", "two", "three", ""})

	n, err = db.SortStore("ids", "dst", diskdb.SortOptions{By: "weight_*", Offset: 0, Count: 2})
	ok(t, err)
	eq(t, n, int64(2))
	l, _ = db.LRange("dst", 0, -1)
	eq(t, l, []string{"10", "3"})

	// Nothing to sort: the destination is deleted.
	n, err = db.SortStore("missing", "dst")
	ok(t, err)
	eq(t, n, int64(0))
	n, _ = db.Exists("dst")
	eq(t, n, int64(0))
}

func TestSortRO(t *testing.T) {
	db := sortData(t)
	got, err := db.SortRO("ids")
	sortIs(t, got, err, "1", "2", "3", "10")
	got, err = db.SortRO("ids", diskdb.SortOptions{By: "w_*->f", Get: []string{"#", "name_*"}, Desc: true, Count: 2})
	sortIs(t, got, err, "2", "two", "10", nil)
	got, err = db.SortRO("missing", diskdb.SortOptions{Alpha: true})
	sortIs(t, got, err)
}

func TestSortNonNumericNeedsAlpha(t *testing.T) {
	db := freshDB(t)
	_, err := db.RPush("words", "1", "x")
	ok(t, err)
	got, err := db.Sort("words", diskdb.SortOptions{Alpha: true}) // SORT itself exists
	sortIs(t, got, err, "1", "x")

	const msg = "ERR One or more scores can't be converted into double"
	check := func(what string, err error) {
		t.Helper()
		var e *diskdb.Error
		if !errors.As(err, &e) || e.Msg != msg {
			t.Fatalf("%s: got %v, want %q", what, err, msg)
		}
	}
	_, err = db.Sort("words")
	check("SORT of words", err)
	_, err = db.SortRO("words", diskdb.SortOptions{Desc: true})
	check("SORT_RO of words", err)
	_, err = db.SortStore("words", "dst")
	check("SORT STORE of words", err)
	// A weight that is not a number is the same error.
	_, err = db.RPush("ids", 1, 2)
	ok(t, err)
	ok(t, db.MSet(map[string]interface{}{"weight_1": "heavy", "weight_2": 1}))
	_, err = db.Sort("ids", diskdb.SortOptions{By: "weight_*"})
	check("SORT BY a non-numeric weight", err)
}

func TestSortInPipeline(t *testing.T) {
	db := sortData(t)
	p := db.Pipeline()
	p.Sort("ids", diskdb.SortOptions{Get: []string{"#", "name_*"}, Count: 2, Desc: true})
	p.SortStore("ids", "dst", diskdb.SortOptions{Alpha: true})
	p.SortRO("dst", diskdb.SortOptions{By: "nosort"})
	p.Sort("dst", diskdb.SortOptions{Count: 1, Get: []string{"nope_*"}})
	results, err := p.Exec()
	ok(t, err)
	eq(t, results, []interface{}{
		[]interface{}{"10", nil, "3", "three"},
		int64(4),
		[]interface{}{"1", "10", "2", "3"},
		[]interface{}{nil},
	})
}
