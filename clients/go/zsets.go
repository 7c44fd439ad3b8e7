package diskdb

// Z is a sorted-set member with its score.
type Z struct {
	Score  float64
	Member string
}

// ZAdd adds members (or updates their scores) and returns how many were new.
func (c cmdable) ZAdd(key string, members ...Z) (int64, error) {
	args := make([]interface{}, 0, 2+2*len(members))
	args = append(args, "ZADD", key)
	for _, m := range members {
		args = append(args, m.Score, m.Member)
	}
	return c.doInt(args...)
}

// ZRange returns members by rank, lowest score first, start to stop inclusive.
func (c cmdable) ZRange(key string, start, stop int64) ([]string, error) {
	return c.doStrings("ZRANGE", key, start, stop)
}

// ZRangeWithScores is ZRange with each member's score.
func (c cmdable) ZRangeWithScores(key string, start, stop int64) ([]Z, error) {
	return c.doZs("ZRANGE", key, start, stop, "WITHSCORES")
}

// ZScore returns the member's score, or ErrNil if it is not in the set.
func (c cmdable) ZScore(key, member string) (float64, error) { return c.doFloat("ZSCORE", key, member) }

// ZIncrBy adds incr to the member's score (adding the member at incr if
// missing) and returns the new score.
func (c cmdable) ZIncrBy(key string, incr float64, member string) (float64, error) {
	return c.doFloat("ZINCRBY", key, incr, member)
}

// ZRem removes members and returns how many were there.
func (c cmdable) ZRem(key string, members ...string) (int64, error) {
	return c.doInt(keysArgs(members, "ZREM", key)...)
}

// ZCard is the number of members (0 if missing).
func (c cmdable) ZCard(key string) (int64, error) { return c.doInt("ZCARD", key) }

// ZRank is the member's 0-based rank by ascending score, or ErrNil if it is
// not in the set.
func (c cmdable) ZRank(key, member string) (int64, error) { return c.doInt("ZRANK", key, member) }

// ZPopMin removes and returns up to count members with the lowest scores.
func (c cmdable) ZPopMin(key string, count int64) ([]Z, error) {
	return c.doZs("ZPOPMIN", key, count)
}
