package diskdb

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// XMessage is one stream entry.
type XMessage struct {
	ID     string
	Values map[string]string
}

// XStream is the entries read from one stream by XRead or XReadGroup.
type XStream struct {
	Stream   string
	Messages []XMessage
}

// XReadArgs are XREAD's arguments.
type XReadArgs struct {
	// Streams maps each stream key to the ID after which to read: "0" for
	// everything, "$" for only entries added from now on.
	Streams map[string]string
	// Count limits the entries returned per stream (0: no limit).
	Count int64
	// Block waits up to this long for an entry when there is none yet.
	// 0 does not wait; a negative value waits for ever (BLOCK 0).
	Block time.Duration
}

// XReadGroupArgs are XREADGROUP's arguments.
type XReadGroupArgs struct {
	Group, Consumer string
	// Streams maps each stream key to an ID: ">" for entries never delivered
	// to this group, or an ID to re-read this consumer's pending entries.
	Streams map[string]string
	Count   int64
	Block   time.Duration // as in XReadArgs
	NoAck   bool          // do not add the entries to the pending list
}

// XPending is the summary form of XPENDING.
type XPending struct {
	Count     int64            // entries delivered and not yet acknowledged
	Lower     string           // smallest pending ID ("" when none)
	Higher    string           // largest pending ID ("" when none)
	Consumers map[string]int64 // pending entries per consumer
}

// XAdd appends an entry with the given fields (stored in sorted field order)
// and returns its ID. id is "*" to let the server choose.
func (c cmdable) XAdd(key, id string, fields map[string]interface{}) (string, error) {
	return c.doString(mapArgs(fields, "XADD", key, id)...)
}

// XLen is the number of entries in the stream.
func (c cmdable) XLen(key string) (int64, error) { return c.doInt("XLEN", key) }

// XRange returns the entries with IDs from start to end inclusive ("-" and
// "+" are the smallest and largest).
func (c cmdable) XRange(key, start, end string) ([]XMessage, error) {
	v, err := c.do(decXMessages, "XRANGE", key, start, end)
	msgs, _ := v.([]XMessage)
	return msgs, err
}

// XRead reads entries from one or more streams. It returns ErrNil when
// nothing arrived (at once, or within Block).
func (c cmdable) XRead(a XReadArgs) ([]XStream, error) {
	args := []interface{}{"XREAD"}
	args = appendCountBlock(args, a.Count, a.Block)
	return c.doXStreams(appendStreams(args, a.Streams), a.Block)
}

// XGroupCreate creates a consumer group on an existing stream, starting after
// ID start ("$" for new entries only, "0" for the whole stream).
func (c cmdable) XGroupCreate(key, group, start string) error {
	return c.doOK("XGROUP", "CREATE", key, group, start)
}

// XGroupCreateMkStream is XGroupCreate that also creates an empty stream when
// key does not exist (MKSTREAM).
func (c cmdable) XGroupCreateMkStream(key, group, start string) error {
	return c.doOK("XGROUP", "CREATE", key, group, start, "MKSTREAM")
}

// XReadGroup reads entries as consumer a.Consumer of group a.Group. It returns
// ErrNil when nothing arrived.
func (c cmdable) XReadGroup(a XReadGroupArgs) ([]XStream, error) {
	args := []interface{}{"XREADGROUP", "GROUP", a.Group, a.Consumer}
	args = appendCountBlock(args, a.Count, a.Block)
	if a.NoAck {
		args = append(args, "NOACK")
	}
	return c.doXStreams(appendStreams(args, a.Streams), a.Block)
}

// XAck acknowledges entries of the group and returns how many were pending.
func (c cmdable) XAck(key, group string, ids ...string) (int64, error) {
	return c.doInt(keysArgs(ids, "XACK", key, group)...)
}

// XPending summarises the group's pending entries.
func (c cmdable) XPending(key, group string) (XPending, error) {
	v, err := c.do(decXPending, "XPENDING", key, group)
	p, _ := v.(XPending)
	return p, err
}

func appendCountBlock(args []interface{}, count int64, block time.Duration) []interface{} {
	if count > 0 {
		args = append(args, "COUNT", count)
	}
	switch {
	case block < 0:
		args = append(args, "BLOCK", 0)
	case block > 0:
		ms := block.Milliseconds()
		if ms == 0 {
			ms = 1 // BLOCK 0 would mean for ever
		}
		args = append(args, "BLOCK", ms)
	}
	return args
}

// appendStreams adds STREAMS k1 k2 ... id1 id2 ..., keys sorted for a
// deterministic command.
func appendStreams(args []interface{}, streams map[string]string) []interface{} {
	keys := make([]string, 0, len(streams))
	for k := range streams {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args = append(args, "STREAMS")
	for _, k := range keys {
		args = append(args, k)
	}
	for _, k := range keys {
		args = append(args, streams[k])
	}
	return args
}

func (c cmdable) doXStreams(args []interface{}, block time.Duration) ([]XStream, error) {
	var b time.Duration
	if block != 0 {
		b = blockFor(block)
	}
	v, err := c(&cmd{args: args, dec: decXStreams, block: b})
	s, _ := v.([]XStream)
	return s, err
}

// decXStreams reads [[stream, [[id, [f, v, ...]], ...]], ...].
func decXStreams(reply interface{}) (interface{}, error) {
	if reply == nil {
		return nil, ErrNil
	}
	arr, ok := reply.([]interface{})
	if !ok {
		return nil, unexpected("stream list", reply)
	}
	out := make([]XStream, len(arr))
	for i, e := range arr {
		pair, ok := e.([]interface{})
		if !ok || len(pair) != 2 {
			return nil, unexpected("[stream, entries]", e)
		}
		name, ok := pair[0].(string)
		if !ok {
			return nil, unexpected("stream name", pair[0])
		}
		msgs, err := decXMessages(pair[1])
		if err != nil {
			return nil, err
		}
		out[i] = XStream{Stream: name, Messages: msgs.([]XMessage)}
	}
	return out, nil
}

// decXMessages reads [[id, [f, v, ...]], ...]. An entry deleted while pending
// comes back as [id, nil] and gets nil Values.
func decXMessages(reply interface{}) (interface{}, error) {
	arr, ok := reply.([]interface{})
	if !ok {
		return nil, unexpected("entry list", reply)
	}
	out := make([]XMessage, len(arr))
	for i, e := range arr {
		entry, ok := e.([]interface{})
		if !ok || len(entry) != 2 {
			return nil, unexpected("[id, fields]", e)
		}
		id, ok := entry[0].(string)
		if !ok {
			return nil, unexpected("entry ID", entry[0])
		}
		out[i].ID = id
		if entry[1] == nil {
			continue
		}
		flat, err := decStrings(entry[1])
		if err != nil {
			return nil, err
		}
		if out[i].Values, err = pairsToMap(flat.([]string)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decXPending reads [count, lower, higher, [[consumer, count], ...]].
func decXPending(reply interface{}) (interface{}, error) {
	arr, ok := reply.([]interface{})
	if !ok || len(arr) != 4 {
		return nil, unexpected("XPENDING summary", reply)
	}
	count, ok := arr[0].(int64)
	if !ok {
		return nil, unexpected("pending count", arr[0])
	}
	p := XPending{Count: count, Consumers: map[string]int64{}}
	p.Lower, _ = arr[1].(string)
	p.Higher, _ = arr[2].(string)
	consumers, _ := arr[3].([]interface{})
	for _, e := range consumers {
		pair, ok := e.([]interface{})
		if !ok || len(pair) != 2 {
			return nil, unexpected("[consumer, count]", e)
		}
		name, _ := pair[0].(string)
		var n int64
		switch v := pair[1].(type) {
		case string: // Redis sends this count as a bulk string
			var err error
			if n, err = strconv.ParseInt(v, 10, 64); err != nil {
				return nil, unexpected("consumer count", v)
			}
		case int64:
			n = v
		default:
			return nil, &protocolError{fmt.Sprintf("bad consumer count %v", v)}
		}
		p.Consumers[name] = n
	}
	return p, nil
}
