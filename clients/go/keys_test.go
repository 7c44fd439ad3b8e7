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
