package diskdb_test

import (
	"errors"
	"fmt"
	"testing"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

// items returns "item:start" ... "item:stop-1" as PFAdd's arguments. PFCount
// is an estimate: the exact numbers below are Redis's, which DiskDB keeps
// register for register.
func items(start, stop int) []interface{} {
	out := make([]interface{}, 0, stop-start)
	for i := start; i < stop; i++ {
		out = append(out, fmt.Sprintf("item:%d", i))
	}
	return out
}

func TestPFAddPFCount(t *testing.T) {
	db := freshDB(t)
	n, err := db.PFAdd("small", items(0, 100)...)
	ok(t, err)
	eq(t, n, int64(1))
	n, err = db.PFCount("small")
	ok(t, err)
	eq(t, n, int64(99)) // 100 distinct elements, estimated
	n, _ = db.StrLen("small")
	eq(t, n, int64(277)) // a plain string, in the sparse encoding
	n, err = db.PFAdd("small", "item:5", "item:99")
	ok(t, err)
	eq(t, n, int64(0)) // no register changed

	n, err = db.PFCount("missing")
	ok(t, err)
	eq(t, n, int64(0))
	n, err = db.PFCount("small", "missing")
	ok(t, err)
	eq(t, n, int64(99))

	// Values are encoded as for any command: "1" and 1 are the same element.
	n, err = db.PFAdd("mixed", "a", []byte("a"), 1, "1", 1.5, []byte{0xff})
	ok(t, err)
	eq(t, n, int64(1))
	n, _ = db.PFCount("mixed")
	eq(t, n, int64(4))
}

func TestPFAddWithoutElements(t *testing.T) {
	db := freshDB(t)
	n, err := db.PFAdd("new")
	ok(t, err)
	eq(t, n, int64(1)) // created
	n, err = db.PFAdd("new")
	ok(t, err)
	eq(t, n, int64(0))
	// Redis's format: a header (sparse, no cached count), then one run of
	// 16384 zero registers. Read before PFCount, which may cache its count in
	// the header.
	v, err := db.Get("new")
	ok(t, err)
	eq(t, v, "HYLL\x01"+string(make([]byte, 10))+"\x80\x7f\xff")
	n, err = db.PFCount("new")
	ok(t, err)
	eq(t, n, int64(0))
}

func TestPFMerge(t *testing.T) {
	db := freshDB(t)
	_, err := db.PFAdd("small", items(0, 100)...)
	ok(t, err)
	_, err = db.PFAdd("other", items(50, 150)...)
	ok(t, err)
	n, err := db.PFCount("small", "other")
	ok(t, err)
	eq(t, n, int64(149)) // the union
	ok(t, db.PFMerge("m", "small", "other"))
	n, _ = db.PFCount("m")
	eq(t, n, int64(149))
	n, _ = db.PFCount("small")
	eq(t, n, int64(99)) // the sources are unchanged

	// An existing destination is merged in too.
	ok(t, db.PFMerge("small", "other"))
	n, _ = db.PFCount("small")
	eq(t, n, int64(149))

	// No sources: an empty HyperLogLog (18 bytes) is created.
	ok(t, db.PFMerge("empty"))
	n, _ = db.PFCount("empty")
	eq(t, n, int64(0))
	n, _ = db.StrLen("empty")
	eq(t, n, int64(18))
}

func TestPFDenseEncoding(t *testing.T) {
	db := freshDB(t)
	n, err := db.PFAdd("big", items(0, 10000)...)
	ok(t, err)
	eq(t, n, int64(1))
	n, _ = db.PFCount("big")
	eq(t, n, int64(10083))
	n, _ = db.StrLen("big")
	eq(t, n, int64(12304)) // converted to the dense encoding
	_, err = db.PFAdd("small", items(0, 100)...)
	ok(t, err)
	ok(t, db.PFMerge("u", "small", "big"))
	n, _ = db.PFCount("u")
	eq(t, n, int64(10083))
}

func TestPFWrongType(t *testing.T) {
	db := freshDB(t)
	_, err := db.PFAdd("h", "a") // the commands exist: the errors below are real ones
	ok(t, err)
	ok(t, db.Set("s", "not an HLL"))
	check := func(what string, err error, msg string) {
		t.Helper()
		wantErr(t, err, diskdb.ErrWrongType)
		var e *diskdb.Error
		if !errors.As(err, &e) || e.Msg != msg || e.Code() != "WRONGTYPE" {
			t.Fatalf("%s: got %v, want %q", what, err, msg)
		}
	}
	const notHLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
	_, err = db.PFAdd("s", "a")
	check("PFADD of a string", err, notHLL)
	_, err = db.PFCount("h", "s")
	check("PFCOUNT of a string", err, notHLL)
	err = db.PFMerge("h", "s")
	check("PFMERGE of a string", err, notHLL)
	_, err = db.RPush("list", "a")
	ok(t, err)
	_, err = db.PFCount("list")
	check("PFCOUNT of a list", err, "WRONGTYPE Operation against a key holding the wrong kind of value")

	v, _ := db.Get("s")
	eq(t, v, "not an HLL")
	n, _ := db.PFCount("h")
	eq(t, n, int64(1))
}

func TestPFInPipeline(t *testing.T) {
	db := freshDB(t)
	p := db.Pipeline()
	p.PFAdd("a", items(0, 100)...)
	p.PFAdd("a", "item:0")
	p.PFAdd("b", items(50, 150)...)
	p.PFCount("a", "b", "missing")
	p.PFMerge("m", "a", "b")
	p.PFCount("m")
	p.Set("s", "x")
	p.PFAdd("s", "y")
	p.PFAdd("empty")
	results, err := p.Exec()
	var e *diskdb.Error
	if !errors.As(err, &e) || e.Msg != "WRONGTYPE Key is not a valid HyperLogLog string value." {
		t.Fatalf("Exec: got %v, want the WRONGTYPE of PFADD s", err)
	}
	eq(t, results[:7], []interface{}{int64(1), int64(0), int64(1), int64(149), "OK", int64(149), "OK"})
	if !errors.Is(results[7].(error), diskdb.ErrWrongType) {
		t.Fatalf("PFADD s: got %v, want a WRONGTYPE error", results[7])
	}
	eq(t, results[8], int64(1)) // the commands after the error still ran
}
