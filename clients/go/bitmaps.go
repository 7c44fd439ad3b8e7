package diskdb

// SetBit sets the bit at offset (0 is the most significant bit of the first
// byte) to value, 0 or 1, growing the string with zero bytes as needed, and
// returns the bit's previous value.
func (c cmdable) SetBit(key string, offset int64, value int) (int64, error) {
	return c.doInt("SETBIT", key, offset, value)
}

// GetBit returns the bit at offset: 0 past the end of the string or for a
// missing key.
func (c cmdable) GetBit(key string, offset int64) (int64, error) {
	return c.doInt("GETBIT", key, offset)
}

// BitRange limits BitCount and BitPos to part of the string.
type BitRange struct {
	// Start and End are byte offsets, both inclusive; negative ones count
	// from the end of the string.
	Start, End int64
	// Bit makes Start and End bit offsets instead (BIT, Redis 7).
	Bit bool
}

func (r BitRange) args(args []interface{}) []interface{} {
	args = append(args, r.Start, r.End)
	if r.Bit {
		args = append(args, "BIT")
	}
	return args
}

// BitCount counts the bits set to 1 in the string at key, or with rng, at
// most one, in that range.
func (c cmdable) BitCount(key string, rng ...BitRange) (int64, error) {
	args := []interface{}{"BITCOUNT", key}
	if len(rng) > 0 {
		args = rng[0].args(args)
	}
	return c.doInt(args...)
}

// BitPos returns the offset of the first bit equal to bit (0 or 1) in the
// string at key, or with rng, at most one, in that range; -1 if there is
// none. Looking for a 0 without a range, the bits past the end count as 0.
func (c cmdable) BitPos(key string, bit int, rng ...BitRange) (int64, error) {
	args := []interface{}{"BITPOS", key, bit}
	if len(rng) > 0 {
		args = rng[0].args(args)
	}
	return c.doInt(args...)
}

// BitOp stores at dest the bitwise op ("AND", "OR", "XOR", or "NOT" of a
// single key) of the strings at keys, shorter ones counting as padded with
// zero bytes, and returns the length of the stored string: the longest
// input's. When every input is missing, dest is deleted and the result is 0.
func (c cmdable) BitOp(op, dest string, keys ...string) (int64, error) {
	return c.doInt(keysArgs(keys, "BITOP", op, dest)...)
}

// BitFieldOp is one operation of BitField: build it with BitFieldGet,
// BitFieldSet, BitFieldIncrBy or BitFieldOverflow.
//
// A field has a type, "i" (signed) or "u" (unsigned) and a width in bits
// ("u8", "i5", up to "i64" and "u63"), and an offset: a bit offset (an
// integer), or a string "#N" for the N-th field of the type's width
// ("#2" for "u8" is bit 16).
type BitFieldOp struct {
	args []interface{}
}

// BitFieldGet reads a field; its result is the field's value.
func BitFieldGet(typ string, offset interface{}) BitFieldOp {
	return BitFieldOp{[]interface{}{"GET", typ, offset}}
}

// BitFieldSet writes value to a field; its result is the field's old value.
func BitFieldSet(typ string, offset interface{}, value int64) BitFieldOp {
	return BitFieldOp{[]interface{}{"SET", typ, offset, value}}
}

// BitFieldIncrBy adds incr (negative to subtract) to a field; its result is
// the new value.
func BitFieldIncrBy(typ string, offset interface{}, incr int64) BitFieldOp {
	return BitFieldOp{[]interface{}{"INCRBY", typ, offset, incr}}
}

// BitFieldOverflow sets how the BitFieldSet and BitFieldIncrBy operations
// after it treat a value that does not fit the field: "WRAP" around (the
// default), "SAT" (saturate at the type's minimum or maximum), or "FAIL":
// write nothing, and give a nil result. It has no result of its own.
func BitFieldOverflow(how string) BitFieldOp {
	return BitFieldOp{[]interface{}{"OVERFLOW", how}}
}

// BitField runs ops, in order and atomically, on the string at key (a
// missing key counts as an empty string, and writes grow it as needed). It
// returns one result per operation other than BitFieldOverflow; a result is
// nil where OVERFLOW FAIL refused the operation.
//
//	res, err := db.BitField("k", diskdb.BitFieldSet("u8", 0, 250),
//		diskdb.BitFieldOverflow("FAIL"), diskdb.BitFieldIncrBy("u8", 0, 10))
//	// res: 0 (the old value), then nil: 260 does not fit in a u8
func (c cmdable) BitField(key string, ops ...BitFieldOp) ([]*int64, error) {
	v, err := c.do(decIntPtrs, bitFieldArgs("BITFIELD", key, ops)...)
	n, _ := v.([]*int64)
	return n, err
}

// BitFieldRO is BitField for reads only (BITFIELD_RO, which replicas and
// read-only users may run): ops must all be BitFieldGet (others are sent as
// given, for the server to reject). It returns each field's value.
func (c cmdable) BitFieldRO(key string, ops ...BitFieldOp) ([]int64, error) {
	v, err := c.do(decInts, bitFieldArgs("BITFIELD_RO", key, ops)...)
	n, _ := v.([]int64)
	return n, err
}

func bitFieldArgs(name, key string, ops []BitFieldOp) []interface{} {
	args := []interface{}{name, key}
	for _, op := range ops {
		args = append(args, op.args...)
	}
	return args
}

// decIntPtrs reads an array of integers that may hold nils (BITFIELD's
// refused writes); a nil stays a nil pointer.
func decIntPtrs(reply interface{}) (interface{}, error) {
	arr, ok := reply.([]interface{})
	if !ok {
		return nil, unexpected("array", reply)
	}
	out := make([]*int64, len(arr))
	for i, e := range arr {
		switch n := e.(type) {
		case int64:
			out[i] = &n
		case nil:
		default:
			return nil, unexpected("integer element", e)
		}
	}
	return out, nil
}

// decInts reads an array of integers.
func decInts(reply interface{}) (interface{}, error) {
	arr, ok := reply.([]interface{})
	if !ok {
		return nil, unexpected("array", reply)
	}
	out := make([]int64, len(arr))
	for i, e := range arr {
		n, ok := e.(int64)
		if !ok {
			return nil, unexpected("integer element", e)
		}
		out[i] = n
	}
	return out, nil
}
