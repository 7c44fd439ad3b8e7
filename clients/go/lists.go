package diskdb

import "time"

// LPush inserts values at the head of the list (the last one ends up first)
// and returns the new length.
func (c cmdable) LPush(key string, values ...interface{}) (int64, error) {
	return c.doInt(valuesArgs(values, "LPUSH", key)...)
}

// RPush appends values at the tail of the list and returns the new length.
func (c cmdable) RPush(key string, values ...interface{}) (int64, error) {
	return c.doInt(valuesArgs(values, "RPUSH", key)...)
}

// LPop removes and returns the first element (ErrNil if the list is empty).
func (c cmdable) LPop(key string) (string, error) { return c.doString("LPOP", key) }

// RPop removes and returns the last element (ErrNil if the list is empty).
func (c cmdable) RPop(key string) (string, error) { return c.doString("RPOP", key) }

// LLen is the length of the list (0 if missing).
func (c cmdable) LLen(key string) (int64, error) { return c.doInt("LLEN", key) }

// LRange returns elements start to stop, both inclusive; -1 is the last.
func (c cmdable) LRange(key string, start, stop int64) ([]string, error) {
	return c.doStrings("LRANGE", key, start, stop)
}

// LIndex returns the element at index (negative counts from the end), or
// ErrNil when out of range.
func (c cmdable) LIndex(key string, index int64) (string, error) {
	return c.doString("LINDEX", key, index)
}

// LSet replaces the element at index; out of range is an *Error.
func (c cmdable) LSet(key string, index int64, value interface{}) error {
	return c.doOK("LSET", key, index, value)
}

// LTrim keeps only elements start to stop, both inclusive.
func (c cmdable) LTrim(key string, start, stop int64) error {
	return c.doOK("LTRIM", key, start, stop)
}

// LRem removes elements equal to value: the first count from the head if
// count > 0, from the tail if count < 0, all if 0. It returns how many.
func (c cmdable) LRem(key string, count int64, value interface{}) (int64, error) {
	return c.doInt("LREM", key, count, value)
}

// BLPop pops the first element of the first non-empty list among keys,
// waiting up to timeout (0 waits for ever) for one to be pushed. It returns
// the list's key and the element, or ErrNil when the timeout passed.
func (c cmdable) BLPop(timeout time.Duration, keys ...string) (key, value string, err error) {
	return c.blockingPop("BLPOP", timeout, keys)
}

// BRPop is BLPop taking from the tail.
func (c cmdable) BRPop(timeout time.Duration, keys ...string) (key, value string, err error) {
	return c.blockingPop("BRPOP", timeout, keys)
}

func (c cmdable) blockingPop(name string, timeout time.Duration, keys []string) (string, string, error) {
	args := append(keysArgs(keys, name), seconds(timeout))
	v, err := c(&cmd{args: args, dec: decStrings, block: blockFor(timeout)})
	kv, _ := v.([]string)
	if err != nil || len(kv) != 2 {
		return "", "", err
	}
	return kv[0], kv[1], nil
}

// blockFor maps a blocking command's timeout (0 = for ever) to cmd.block.
func blockFor(timeout time.Duration) time.Duration {
	if timeout <= 0 {
		return -1
	}
	return timeout
}
