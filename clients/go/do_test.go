package diskdb_test

import (
	"context"
	"errors"
	"testing"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

func TestDo(t *testing.T) {
	db := freshDB(t)
	r, err := db.Do("SET", "k", 12)
	ok(t, err)
	eq(t, r, "OK")
	r, err = db.Do("GET", "k")
	ok(t, err)
	eq(t, r, "12")
	r, err = db.Do("INCRBY", "k", int64(3))
	ok(t, err)
	eq(t, r, int64(15))
	r, err = db.Do("MGET", "k", "missing")
	ok(t, err)
	eq(t, r, []interface{}{"15", nil})

	_, err = db.Do("GET", "missing")
	wantErr(t, err, diskdb.ErrNil)

	// Server errors keep Redis's wording.
	_, err = db.Do("GET")
	var e *diskdb.Error
	if !errors.As(err, &e) || e.Msg != "ERR wrong number of arguments for 'get' command" {
		t.Fatalf("GET without a key: got %v", err)
	}
	_, err = db.Do("NOSUCHCOMMAND", "x")
	if !errors.As(err, &e) || e.Code() != "ERR" {
		t.Fatalf("unknown command: got %v", err)
	}

	// Arguments the client cannot encode are refused before sending, and
	// the connection stays usable.
	for _, bad := range [][]interface{}{{}, {"SET", "k", nil}, {"SET", "k", struct{}{}}, {"SET", "k", []int{1}}} {
		if _, err := db.Do(bad...); err == nil {
			t.Fatalf("Do(%v) succeeded", bad)
		}
	}
	r, err = db.DoContext(context.Background(), "GET", "k")
	ok(t, err)
	eq(t, r, "15")
}
