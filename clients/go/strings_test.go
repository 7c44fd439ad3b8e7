package diskdb_test

import (
	"errors"
	"math"
	"sort"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

func TestSetGet(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("k", "v"))
	v, err := db.Get("k")
	ok(t, err)
	eq(t, v, "v")

	_, err = db.Get("missing")
	wantErr(t, err, diskdb.ErrNil)

	// Values are binary-safe, and numbers are sent in decimal.
	bin := "a\x00b\r\nc\xff"
	ok(t, db.Set("bin", []byte(bin)))
	v, err = db.Get("bin")
	ok(t, err)
	eq(t, v, bin)
	ok(t, db.Set("n", 42))
	v, err = db.Get("n")
	ok(t, err)
	eq(t, v, "42")
	ok(t, db.Set("f", 1.5))
	v, err = db.Get("f")
	ok(t, err)
	eq(t, v, "1.5")

	// A value larger than the client's read buffer.
	big := make([]byte, 100<<10)
	for i := range big {
		big[i] = byte(i)
	}
	ok(t, db.Set("big", big))
	v, err = db.Get("big")
	ok(t, err)
	eq(t, v, string(big))
}

func TestSetOptions(t *testing.T) {
	db := freshDB(t)

	// NX: only when missing; a failed condition is ErrNil and writes nothing.
	ok(t, db.Set("k", "1", diskdb.SetOptions{NX: true}))
	wantErr(t, db.Set("k", "2", diskdb.SetOptions{NX: true}), diskdb.ErrNil)
	v, _ := db.Get("k")
	eq(t, v, "1")

	// XX: only when present.
	wantErr(t, db.Set("other", "x", diskdb.SetOptions{XX: true}), diskdb.ErrNil)
	ok(t, db.Set("k", "3", diskdb.SetOptions{XX: true}))
	v, _ = db.Get("k")
	eq(t, v, "3")

	// TTL in whole seconds goes as EX, otherwise as PX.
	ok(t, db.Set("ex", "v", diskdb.SetOptions{TTL: 100 * time.Second}))
	ttl, err := db.TTL("ex")
	ok(t, err)
	if ttl <= 98*time.Second || ttl > 100*time.Second {
		t.Fatalf("TTL after EX 100 = %v", ttl)
	}
	ok(t, db.Set("px", "v", diskdb.SetOptions{TTL: 1500 * time.Millisecond}))
	pttl, err := db.PTTL("px")
	ok(t, err)
	if pttl <= 1000*time.Millisecond || pttl > 1500*time.Millisecond {
		t.Fatalf("PTTL after PX 1500 = %v", pttl)
	}

	// A plain SET clears the expiry; KEEPTTL keeps it.
	ok(t, db.Set("ex", "w", diskdb.SetOptions{KeepTTL: true}))
	ttl, _ = db.TTL("ex")
	if ttl <= 0 {
		t.Fatalf("KEEPTTL lost the expiry: TTL = %v", ttl)
	}
	ok(t, db.Set("ex", "w"))
	ttl, _ = db.TTL("ex")
	eq(t, ttl, diskdb.TTLNoExpiry)
}

func TestGetSetGetDel(t *testing.T) {
	db := freshDB(t)
	_, err := db.GetSet("k", "a")
	wantErr(t, err, diskdb.ErrNil)
	old, err := db.GetSet("k", "b")
	ok(t, err)
	eq(t, old, "a")

	v, err := db.GetDel("k")
	ok(t, err)
	eq(t, v, "b")
	n, _ := db.Exists("k")
	eq(t, n, int64(0))
	_, err = db.GetDel("k")
	wantErr(t, err, diskdb.ErrNil)
}

func TestCounters(t *testing.T) {
	db := freshDB(t)
	n, err := db.Incr("c")
	ok(t, err)
	eq(t, n, int64(1))
	n, err = db.IncrBy("c", 10)
	ok(t, err)
	eq(t, n, int64(11))
	n, err = db.Decr("c")
	ok(t, err)
	eq(t, n, int64(10))
	n, err = db.DecrBy("c", 20)
	ok(t, err)
	eq(t, n, int64(-10))

	// The full int64 range survives the round trip.
	ok(t, db.Set("min", math.MinInt64+1))
	n, err = db.Decr("min")
	ok(t, err)
	eq(t, n, int64(math.MinInt64))

	f, err := db.IncrByFloat("fl", 1.25)
	ok(t, err)
	eq(t, f, 1.25)
	f, err = db.IncrByFloat("fl", -0.5)
	ok(t, err)
	eq(t, f, 0.75)

	// Not an integer: a server error, as an *Error with Redis's wording.
	ok(t, db.Set("s", "abc"))
	_, err = db.Incr("s")
	skipIfUnsupported(t, err)
	var e *diskdb.Error
	if !errors.As(err, &e) || e.Msg != "ERR value is not an integer or out of range" || e.Code() != "ERR" {
		t.Fatalf("INCR of a non-integer: got %v", err)
	}
}

func TestAppendStrLenRanges(t *testing.T) {
	db := freshDB(t)
	n, err := db.Append("k", "Hello")
	ok(t, err)
	eq(t, n, int64(5))
	n, err = db.Append("k", " World")
	ok(t, err)
	eq(t, n, int64(11))
	n, err = db.StrLen("k")
	ok(t, err)
	eq(t, n, int64(11))
	n, err = db.StrLen("missing")
	ok(t, err)
	eq(t, n, int64(0))

	s, err := db.GetRange("k", 0, 4)
	ok(t, err)
	eq(t, s, "Hello")
	s, err = db.GetRange("k", -5, -1)
	ok(t, err)
	eq(t, s, "World")

	n, err = db.SetRange("k", 6, "Redis")
	ok(t, err)
	eq(t, n, int64(11))
	s, _ = db.Get("k")
	eq(t, s, "Hello Redis")
	// Writing past the end pads with zero bytes.
	n, err = db.SetRange("pad", 3, "x")
	ok(t, err)
	eq(t, n, int64(4))
	s, _ = db.Get("pad")
	eq(t, s, "\x00\x00\x00x")
}

func TestMSetMGet(t *testing.T) {
	db := freshDB(t)
	ok(t, db.MSet(map[string]interface{}{"a": "1", "b": 2, "c": []byte("3")}))
	vals, err := db.MGet("a", "missing", "b", "c")
	ok(t, err)
	eq(t, vals, []interface{}{"1", nil, "2", "3"})
}

func TestSetNXSetEX(t *testing.T) {
	db := freshDB(t)
	set, err := db.SetNX("k", "1")
	ok(t, err)
	eq(t, set, true)
	set, err = db.SetNX("k", "2")
	ok(t, err)
	eq(t, set, false)

	ok(t, db.SetEX("ex", "v", 50*time.Second))
	ttl, _ := db.TTL("ex")
	if ttl <= 48*time.Second || ttl > 50*time.Second {
		t.Fatalf("TTL after SETEX 50 = %v", ttl)
	}
	ok(t, db.SetEX("pex", "v", 2500*time.Millisecond)) // sent as PSETEX
	pttl, _ := db.PTTL("pex")
	if pttl <= 2000*time.Millisecond || pttl > 2500*time.Millisecond {
		t.Fatalf("PTTL after PSETEX 2500 = %v", pttl)
	}
	v, _ := db.Get("pex")
	eq(t, v, "v")
}

func TestWrongType(t *testing.T) {
	db := freshDB(t)
	_, err := db.RPush("list", "x")
	ok(t, err)
	_, err = db.Get("list")
	wantErr(t, err, diskdb.ErrWrongType)
	var e *diskdb.Error
	if !errors.As(err, &e) || e.Code() != "WRONGTYPE" {
		t.Fatalf("WRONGTYPE should also be an *Error, got %T %v", err, err)
	}
	if errors.Is(err, diskdb.ErrNil) || errors.Is(err, diskdb.ErrAuth) {
		t.Fatal("WRONGTYPE matched an unrelated sentinel")
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func TestSetInvalidTTL(t *testing.T) {
	db := freshDB(t)
	for _, ttl := range []time.Duration{-time.Second, -time.Millisecond, time.Microsecond} {
		err := db.Set("k", "v", diskdb.SetOptions{TTL: ttl})
		skipIfUnsupported(t, err)
		var e *diskdb.Error
		if !errors.As(err, &e) {
			t.Fatalf("SET with TTL %v: got %v, want a server error", ttl, err)
		}
	}
	n, _ := db.Exists("k")
	eq(t, n, int64(0))
}
