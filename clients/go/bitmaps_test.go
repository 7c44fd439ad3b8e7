package diskdb_test

import (
	"errors"
	"testing"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

// i64 is a pointer to n, for comparing BitField results.
func i64(n int64) *int64 { return &n }

func TestSetBitGetBit(t *testing.T) {
	db := freshDB(t)
	old, err := db.SetBit("b", 7, 1)
	ok(t, err)
	eq(t, old, int64(0))
	old, err = db.SetBit("b", 7, 1)
	ok(t, err)
	eq(t, old, int64(1))
	_, err = db.SetBit("b", 8, 1) // grows the string
	ok(t, err)
	v, _ := db.Get("b")
	eq(t, v, "\x01\x80")
	bit, err := db.GetBit("b", 7)
	ok(t, err)
	eq(t, bit, int64(1))
	bit, err = db.GetBit("b", 100)
	ok(t, err)
	eq(t, bit, int64(0))
}

func TestBitCountBitPos(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("k", "foobar"))
	n, err := db.BitCount("k")
	ok(t, err)
	eq(t, n, int64(26))
	n, err = db.BitCount("k", diskdb.BitRange{Start: 1, End: 1})
	ok(t, err)
	eq(t, n, int64(6))
	n, err = db.BitCount("k", diskdb.BitRange{Start: 5, End: 30, Bit: true})
	ok(t, err)
	eq(t, n, int64(17))

	ok(t, db.Set("p", "\xff\xf0\x00"))
	n, err = db.BitPos("p", 0)
	ok(t, err)
	eq(t, n, int64(12))
	n, err = db.BitPos("p", 1, diskdb.BitRange{Start: 2, End: -1})
	ok(t, err)
	eq(t, n, int64(-1))
	n, err = db.BitPos("p", 1, diskdb.BitRange{Start: 3, End: 10, Bit: true})
	ok(t, err)
	eq(t, n, int64(3))
}

func TestBitOp(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("a", "\xff\x0f"))
	ok(t, db.Set("b", "\x0f"))
	// The shorter input counts as zero-padded; the result is as long as the
	// longest input.
	for _, c := range []struct {
		op   string
		keys []string
		want string
	}{
		{"AND", []string{"a", "b"}, "\x0f\x00"},
		{"OR", []string{"a", "b"}, "\xff\x0f"},
		{"XOR", []string{"a", "b"}, "\xf0\x0f"},
		{"NOT", []string{"a"}, "\x00\xf0"},
	} {
		n, err := db.BitOp(c.op, "dest", c.keys...)
		ok(t, err)
		eq(t, n, int64(2))
		v, _ := db.Get("dest")
		eq(t, v, c.want)
	}
	// Only missing inputs: an empty result, so the destination is deleted.
	n, err := db.BitOp("OR", "dest", "missing", "missing2")
	ok(t, err)
	eq(t, n, int64(0))
	n, _ = db.Exists("dest")
	eq(t, n, int64(0))

	_, err = db.BitOp("NOT", "dest", "a", "b")
	var e *diskdb.Error
	if !errors.As(err, &e) || e.Msg != "ERR BITOP NOT must be called with a single source key." {
		t.Fatalf("BITOP NOT of two keys: got %v", err)
	}
}

func TestBitField(t *testing.T) {
	db := freshDB(t)
	// SET gives the old value, INCRBY the new one; u8 wraps by default
	// (200 + 100 = 44).
	res, err := db.BitField("bf",
		diskdb.BitFieldSet("u8", 0, 200),
		diskdb.BitFieldGet("u8", 0),
		diskdb.BitFieldIncrBy("u8", 0, 100),
		diskdb.BitFieldGet("u4", 0))
	ok(t, err)
	eq(t, res, []*int64{i64(0), i64(200), i64(44), i64(2)})

	// Signed fields, and "#N" offsets counted in fields of the type's width.
	res, err = db.BitField("bf",
		diskdb.BitFieldSet("i8", "#1", -5),
		diskdb.BitFieldGet("i8", 8),
		diskdb.BitFieldGet("u8", "#1"),
		diskdb.BitFieldGet("u16", 0))
	ok(t, err)
	eq(t, res, []*int64{i64(0), i64(-5), i64(251), i64(0x2cfb)})
	v, _ := db.Get("bf")
	eq(t, v, "\x2c\xfb")
}

func TestBitFieldOverflow(t *testing.T) {
	db := freshDB(t)
	res, err := db.BitField("bf",
		diskdb.BitFieldSet("u8", 0, 250),
		diskdb.BitFieldOverflow("SAT"),
		diskdb.BitFieldIncrBy("u8", 0, 10), // 260 saturates at 255
		diskdb.BitFieldOverflow("FAIL"),
		diskdb.BitFieldIncrBy("u8", 0, 1), // 256 does not fit: refused, nothing written
		diskdb.BitFieldIncrBy("u8", 0, -5))
	ok(t, err)
	eq(t, res, []*int64{i64(0), i64(255), nil, i64(250)})

	res, err = db.BitField("s",
		diskdb.BitFieldOverflow("SAT"),
		diskdb.BitFieldIncrBy("i4", 0, -100),
		diskdb.BitFieldOverflow("WRAP"),
		diskdb.BitFieldIncrBy("i4", 4, 9),
		diskdb.BitFieldOverflow("FAIL"),
		diskdb.BitFieldSet("i4", 0, 8))
	ok(t, err)
	eq(t, res, []*int64{i64(-8), i64(-7), nil})

	// No operations at all is valid: an empty result.
	res, err = db.BitField("bf")
	ok(t, err)
	eq(t, res, []*int64{})
}

func TestBitFieldRO(t *testing.T) {
	db := freshDB(t)
	_, err := db.BitField("k", diskdb.BitFieldSet("u8", 0, 1), diskdb.BitFieldSet("u8", 8, 2))
	ok(t, err)
	n, err := db.BitFieldRO("k", diskdb.BitFieldGet("u8", 0))
	ok(t, err)
	eq(t, n, []int64{1})
	n, err = db.BitFieldRO("k",
		diskdb.BitFieldGet("u8", 8),
		diskdb.BitFieldGet("u16", 0),
		diskdb.BitFieldGet("i8", "#1"))
	ok(t, err)
	eq(t, n, []int64{2, 258, 2})
	n, err = db.BitFieldRO("missing", diskdb.BitFieldGet("i8", 0))
	ok(t, err)
	eq(t, n, []int64{0})

	// Read-only: anything but GET is the server's error.
	_, err = db.BitFieldRO("k", diskdb.BitFieldSet("u8", 0, 9))
	var e *diskdb.Error
	if !errors.As(err, &e) {
		t.Fatalf("BITFIELD_RO with SET: got %v, want a server error", err)
	}
	v, _ := db.Get("k")
	eq(t, v, "\x01\x02")
}

func TestBitCommandsInPipeline(t *testing.T) {
	db := freshDB(t)
	p := db.Pipeline()
	p.SetBit("b", 0, 1)
	p.BitField("bf", diskdb.BitFieldSet("u8", 0, 255), diskdb.BitFieldOverflow("FAIL"),
		diskdb.BitFieldIncrBy("u8", 0, 1))
	p.BitFieldRO("bf", diskdb.BitFieldGet("u4", 0))
	p.BitOp("AND", "and", "b", "bf")
	p.BitCount("and")
	p.GetBit("and", 0)
	results, err := p.Exec()
	ok(t, err)
	eq(t, results, []interface{}{int64(0), []*int64{i64(0), nil}, []int64{15}, int64(1), int64(1), int64(1)})
}
