package diskdb_test

import (
	"testing"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

func TestHashes(t *testing.T) {
	db := freshDB(t)
	n, err := db.HSet("h", "name", "Ada")
	ok(t, err)
	eq(t, n, int64(1))
	n, err = db.HSet("h", "name", "Ada L.") // an update adds nothing
	ok(t, err)
	eq(t, n, int64(0))
	n, err = db.HSetMap("h", map[string]interface{}{"born": 1815, "lang": "none", "name": "Ada"})
	ok(t, err)
	eq(t, n, int64(2))

	v, err := db.HGet("h", "name")
	ok(t, err)
	eq(t, v, "Ada")
	_, err = db.HGet("h", "missing")
	wantErr(t, err, diskdb.ErrNil)
	_, err = db.HGet("missing", "f")
	wantErr(t, err, diskdb.ErrNil)

	all, err := db.HGetAll("h")
	ok(t, err)
	eq(t, all, map[string]string{"name": "Ada", "born": "1815", "lang": "none"})
	all, err = db.HGetAll("missing")
	ok(t, err)
	eq(t, all, map[string]string{})

	has, err := db.HExists("h", "born")
	ok(t, err)
	eq(t, has, true)
	has, err = db.HExists("h", "died")
	ok(t, err)
	eq(t, has, false)
	n, err = db.HLen("h")
	ok(t, err)
	eq(t, n, int64(3))

	n, err = db.HIncrBy("h", "born", 10)
	ok(t, err)
	eq(t, n, int64(1825))
	n, err = db.HIncrBy("h", "visits", -2)
	ok(t, err)
	eq(t, n, int64(-2))

	keys, err := db.HKeys("h")
	ok(t, err)
	eq(t, sorted(keys), []string{"born", "lang", "name", "visits"})
	vals, err := db.HVals("h")
	ok(t, err)
	eq(t, sorted(vals), []string{"-2", "1825", "Ada", "none"})

	n, err = db.HDel("h", "lang", "visits", "missing")
	ok(t, err)
	eq(t, n, int64(2))
	n, _ = db.HLen("h")
	eq(t, n, int64(2))
}
