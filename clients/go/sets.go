package diskdb

// SAdd adds members to the set and returns how many were new.
func (c cmdable) SAdd(key string, members ...interface{}) (int64, error) {
	return c.doInt(valuesArgs(members, "SADD", key)...)
}

// SRem removes members from the set and returns how many were there.
func (c cmdable) SRem(key string, members ...interface{}) (int64, error) {
	return c.doInt(valuesArgs(members, "SREM", key)...)
}

// SMembers returns every member of the set, in no particular order.
func (c cmdable) SMembers(key string) ([]string, error) { return c.doStrings("SMEMBERS", key) }

// SIsMember reports whether member is in the set.
func (c cmdable) SIsMember(key string, member interface{}) (bool, error) {
	return c.doBool("SISMEMBER", key, member)
}

// SCard is the number of members (0 if missing).
func (c cmdable) SCard(key string) (int64, error) { return c.doInt("SCARD", key) }

// SPop removes and returns a random member (ErrNil if the set is empty).
func (c cmdable) SPop(key string) (string, error) { return c.doString("SPOP", key) }

// SInter returns the members common to all sets.
func (c cmdable) SInter(keys ...string) ([]string, error) {
	return c.doStrings(keysArgs(keys, "SINTER")...)
}

// SUnion returns the members of any of the sets.
func (c cmdable) SUnion(keys ...string) ([]string, error) {
	return c.doStrings(keysArgs(keys, "SUNION")...)
}

// SDiff returns the members of the first set that are in none of the others.
func (c cmdable) SDiff(keys ...string) ([]string, error) {
	return c.doStrings(keysArgs(keys, "SDIFF")...)
}
