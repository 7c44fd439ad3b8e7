package diskdb

// HSet sets one field of the hash and returns 1 if the field is new, 0 if it
// was updated.
func (c cmdable) HSet(key, field string, value interface{}) (int64, error) {
	return c.doInt("HSET", key, field, value)
}

// HSetMap sets several fields at once and returns how many were new.
func (c cmdable) HSetMap(key string, fields map[string]interface{}) (int64, error) {
	return c.doInt(mapArgs(fields, "HSET", key)...)
}

// HGet returns the field's value, or ErrNil if the field or hash is missing.
func (c cmdable) HGet(key, field string) (string, error) { return c.doString("HGET", key, field) }

// HGetAll returns every field and value (an empty map if the hash is missing).
func (c cmdable) HGetAll(key string) (map[string]string, error) { return c.doStringMap("HGETALL", key) }

// HDel deletes fields and returns how many existed.
func (c cmdable) HDel(key string, fields ...string) (int64, error) {
	return c.doInt(keysArgs(fields, "HDEL", key)...)
}

// HExists reports whether the field exists.
func (c cmdable) HExists(key, field string) (bool, error) { return c.doBool("HEXISTS", key, field) }

// HLen is the number of fields (0 if missing).
func (c cmdable) HLen(key string) (int64, error) { return c.doInt("HLEN", key) }

// HIncrBy adds n to the integer in field and returns the new value.
func (c cmdable) HIncrBy(key, field string, n int64) (int64, error) {
	return c.doInt("HINCRBY", key, field, n)
}

// HKeys returns every field name.
func (c cmdable) HKeys(key string) ([]string, error) { return c.doStrings("HKEYS", key) }

// HVals returns every value.
func (c cmdable) HVals(key string) ([]string, error) { return c.doStrings("HVALS", key) }
