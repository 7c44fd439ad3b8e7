package diskdb

import "time"

// SetOptions are SET's optional modifiers.
type SetOptions struct {
	// TTL gives the key an expiry: sent as EX (seconds) when it is a whole
	// number of seconds, else as PX (milliseconds). Zero means no expiry
	// (and, without KeepTTL, clears any expiry the key had).
	TTL time.Duration
	// NX sets only if the key does not exist; XX only if it does. When the
	// condition fails nothing is written and Set returns ErrNil.
	NX, XX bool
	// KeepTTL keeps the key's current expiry instead of clearing it.
	KeepTTL bool
}

// Set stores value at key, replacing any value and type it had. opt, at most
// one, adds SET's modifiers (expiry, NX/XX, KEEPTTL).
func (c cmdable) Set(key string, value interface{}, opt ...SetOptions) error {
	args := []interface{}{"SET", key, value}
	if len(opt) > 0 {
		o := opt[0]
		// A negative or sub-millisecond TTL is sent as is, for the server
		// to reject, rather than silently dropped.
		switch {
		case o.TTL != 0 && o.TTL%time.Second == 0:
			args = append(args, "EX", int64(o.TTL/time.Second))
		case o.TTL != 0:
			args = append(args, "PX", o.TTL.Milliseconds())
		}
		if o.NX {
			args = append(args, "NX")
		}
		if o.XX {
			args = append(args, "XX")
		}
		if o.KeepTTL {
			args = append(args, "KEEPTTL")
		}
	}
	return c.doOK(args...)
}

// Get returns the value at key, or ErrNil if the key does not exist.
func (c cmdable) Get(key string) (string, error) { return c.doString("GET", key) }

// GetSet stores value and returns the old value (ErrNil if there was none).
func (c cmdable) GetSet(key string, value interface{}) (string, error) {
	return c.doString("GETSET", key, value)
}

// GetDel returns the value at key and deletes the key (ErrNil if missing).
func (c cmdable) GetDel(key string) (string, error) { return c.doString("GETDEL", key) }

// Incr adds one to the integer at key (a missing key counts as 0) and
// returns the new value.
func (c cmdable) Incr(key string) (int64, error) { return c.doInt("INCR", key) }

// Decr subtracts one from the integer at key and returns the new value.
func (c cmdable) Decr(key string) (int64, error) { return c.doInt("DECR", key) }

// IncrBy adds n to the integer at key and returns the new value.
func (c cmdable) IncrBy(key string, n int64) (int64, error) { return c.doInt("INCRBY", key, n) }

// DecrBy subtracts n from the integer at key and returns the new value.
func (c cmdable) DecrBy(key string, n int64) (int64, error) { return c.doInt("DECRBY", key, n) }

// IncrByFloat adds f to the number at key and returns the new value.
func (c cmdable) IncrByFloat(key string, f float64) (float64, error) {
	return c.doFloat("INCRBYFLOAT", key, f)
}

// Append appends value to the string at key and returns the new length.
func (c cmdable) Append(key string, value interface{}) (int64, error) {
	return c.doInt("APPEND", key, value)
}

// StrLen is the length of the string at key (0 if missing).
func (c cmdable) StrLen(key string) (int64, error) { return c.doInt("STRLEN", key) }

// GetRange returns the substring from start to end, both inclusive; negative
// offsets count from the end.
func (c cmdable) GetRange(key string, start, end int64) (string, error) {
	return c.doString("GETRANGE", key, start, end)
}

// SetRange overwrites the string at key from offset on and returns the new
// length.
func (c cmdable) SetRange(key string, offset int64, value interface{}) (int64, error) {
	return c.doInt("SETRANGE", key, offset, value)
}

// MGet returns the values of keys in order: each element is a string, or nil
// for a missing key (or one holding another type).
func (c cmdable) MGet(keys ...string) ([]interface{}, error) {
	v, err := c.do(decAny, keysArgs(keys, "MGET")...)
	vals, _ := v.([]interface{})
	return vals, err
}

// MSet sets every key to its value in one atomic command.
func (c cmdable) MSet(pairs map[string]interface{}) error {
	return c.doOK(mapArgs(pairs, "MSET")...)
}

// SetNX sets key only if it does not exist, and reports whether it did.
func (c cmdable) SetNX(key string, value interface{}) (bool, error) {
	return c.doBool("SETNX", key, value)
}

// SetEX sets key with an expiry: SETEX when ttl is whole seconds, else PSETEX.
func (c cmdable) SetEX(key string, value interface{}, ttl time.Duration) error {
	if ttl%time.Second == 0 {
		return c.doOK("SETEX", key, int64(ttl/time.Second), value)
	}
	return c.doOK("PSETEX", key, ttl.Milliseconds(), value)
}
