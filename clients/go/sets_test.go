package diskdb_test

import (
	"testing"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

func TestSets(t *testing.T) {
	db := freshDB(t)
	n, err := db.SAdd("s", "a", "b", "c", "a")
	ok(t, err)
	eq(t, n, int64(3))
	n, err = db.SAdd("s", "c", "d")
	ok(t, err)
	eq(t, n, int64(1))

	members, err := db.SMembers("s")
	ok(t, err)
	eq(t, sorted(members), []string{"a", "b", "c", "d"})
	in, err := db.SIsMember("s", "a")
	ok(t, err)
	eq(t, in, true)
	in, err = db.SIsMember("s", "zzz")
	ok(t, err)
	eq(t, in, false)
	n, err = db.SCard("s")
	ok(t, err)
	eq(t, n, int64(4))

	n, err = db.SRem("s", "d", "zzz")
	ok(t, err)
	eq(t, n, int64(1))

	_, err = db.SAdd("t", "b", "c", "x")
	ok(t, err)
	got, err := db.SInter("s", "t")
	ok(t, err)
	eq(t, sorted(got), []string{"b", "c"})
	got, err = db.SUnion("s", "t")
	ok(t, err)
	eq(t, sorted(got), []string{"a", "b", "c", "x"})
	got, err = db.SDiff("s", "t")
	ok(t, err)
	eq(t, got, []string{"a"})

	// SPOP empties the set one random member at a time, then ErrNil.
	popped := []string{}
	for i := 0; i < 3; i++ {
		m, err := db.SPop("s")
		ok(t, err)
		popped = append(popped, m)
	}
	eq(t, sorted(popped), []string{"a", "b", "c"})
	_, err = db.SPop("s")
	wantErr(t, err, diskdb.ErrNil)
	members, err = db.SMembers("s")
	ok(t, err)
	eq(t, members, []string{})
}
