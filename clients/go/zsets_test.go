package diskdb_test

import (
	"math"
	"testing"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

func TestSortedSets(t *testing.T) {
	db := freshDB(t)
	n, err := db.ZAdd("z", diskdb.Z{Score: 2, Member: "two"}, diskdb.Z{Score: 1, Member: "one"},
		diskdb.Z{Score: 3.5, Member: "three"}, diskdb.Z{Score: math.Inf(-1), Member: "low"})
	ok(t, err)
	eq(t, n, int64(4))
	n, err = db.ZAdd("z", diskdb.Z{Score: 3, Member: "three"}) // score update
	ok(t, err)
	eq(t, n, int64(0))

	members, err := db.ZRange("z", 0, -1)
	ok(t, err)
	eq(t, members, []string{"low", "one", "two", "three"})
	zs, err := db.ZRangeWithScores("z", 1, 2)
	ok(t, err)
	eq(t, zs, []diskdb.Z{{Score: 1, Member: "one"}, {Score: 2, Member: "two"}})
	zs, err = db.ZRangeWithScores("z", 0, 0)
	ok(t, err)
	eq(t, zs, []diskdb.Z{{Score: math.Inf(-1), Member: "low"}})

	s, err := db.ZScore("z", "three")
	ok(t, err)
	eq(t, s, 3.0)
	_, err = db.ZScore("z", "missing")
	wantErr(t, err, diskdb.ErrNil)

	s, err = db.ZIncrBy("z", 0.25, "one")
	ok(t, err)
	eq(t, s, 1.25)
	s, err = db.ZIncrBy("z", 7, "new")
	ok(t, err)
	eq(t, s, 7.0)

	r, err := db.ZRank("z", "two")
	ok(t, err)
	eq(t, r, int64(2))
	_, err = db.ZRank("z", "missing")
	wantErr(t, err, diskdb.ErrNil)

	n, err = db.ZCard("z")
	ok(t, err)
	eq(t, n, int64(5))
	n, err = db.ZRem("z", "new", "missing")
	ok(t, err)
	eq(t, n, int64(1))

	zs, err = db.ZPopMin("z", 2)
	ok(t, err)
	eq(t, zs, []diskdb.Z{{Score: math.Inf(-1), Member: "low"}, {Score: 1.25, Member: "one"}})
	n, _ = db.ZCard("z")
	eq(t, n, int64(2))
	zs, err = db.ZPopMin("missing", 1)
	ok(t, err)
	eq(t, zs, []diskdb.Z{})
}
