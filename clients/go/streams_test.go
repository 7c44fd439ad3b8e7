package diskdb_test

import (
	"strings"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

func TestStreamsAddRange(t *testing.T) {
	db := freshDB(t)
	id1, err := db.XAdd("s", "1-1", map[string]interface{}{"temp": 20, "room": "a"})
	ok(t, err)
	eq(t, id1, "1-1")
	id2, err := db.XAdd("s", "*", map[string]interface{}{"temp": 21.5})
	ok(t, err)
	if !strings.Contains(id2, "-") || id2 == id1 {
		t.Fatalf("auto ID = %q", id2)
	}
	n, err := db.XLen("s")
	ok(t, err)
	eq(t, n, int64(2))

	msgs, err := db.XRange("s", "-", "+")
	ok(t, err)
	eq(t, msgs, []diskdb.XMessage{
		{ID: "1-1", Values: map[string]string{"temp": "20", "room": "a"}},
		{ID: id2, Values: map[string]string{"temp": "21.5"}},
	})
	msgs, err = db.XRange("s", "1-2", "+")
	ok(t, err)
	eq(t, len(msgs), 1)
	eq(t, msgs[0].ID, id2)
}

func TestStreamsRead(t *testing.T) {
	db := freshDB(t)
	_, err := db.XAdd("a", "1-0", map[string]interface{}{"n": 1})
	ok(t, err)
	_, err = db.XAdd("a", "2-0", map[string]interface{}{"n": 2})
	ok(t, err)
	_, err = db.XAdd("b", "5-0", map[string]interface{}{"n": 5})
	ok(t, err)

	streams, err := db.XRead(diskdb.XReadArgs{Streams: map[string]string{"a": "1-0", "b": "0"}})
	ok(t, err)
	eq(t, streams, []diskdb.XStream{
		{Stream: "a", Messages: []diskdb.XMessage{{ID: "2-0", Values: map[string]string{"n": "2"}}}},
		{Stream: "b", Messages: []diskdb.XMessage{{ID: "5-0", Values: map[string]string{"n": "5"}}}},
	})
	streams, err = db.XRead(diskdb.XReadArgs{Streams: map[string]string{"a": "0"}, Count: 1})
	ok(t, err)
	eq(t, len(streams[0].Messages), 1)

	// Nothing new: ErrNil at once without Block, after the wait with it.
	_, err = db.XRead(diskdb.XReadArgs{Streams: map[string]string{"a": "$"}})
	wantErr(t, err, diskdb.ErrNil)
	start := time.Now()
	_, err = db.XRead(diskdb.XReadArgs{Streams: map[string]string{"a": "$"}, Block: 200 * time.Millisecond})
	wantErr(t, err, diskdb.ErrNil)
	if el := time.Since(start); el < 180*time.Millisecond {
		t.Fatalf("XREAD BLOCK 200 returned after %v", el)
	}

	// A blocked reader wakes on a new entry.
	go func() {
		time.Sleep(200 * time.Millisecond)
		_, _ = db.XAdd("a", "9-0", map[string]interface{}{"n": 9})
	}()
	streams, err = db.XRead(diskdb.XReadArgs{Streams: map[string]string{"a": "$"}, Block: -1})
	ok(t, err)
	eq(t, streams[0].Messages[0].ID, "9-0")
}

func TestStreamsGroups(t *testing.T) {
	db := freshDB(t)
	// The group needs the stream to exist, unless MKSTREAM.
	err := db.XGroupCreate("s", "g", "$")
	skipIfUnsupported(t, err)
	if err == nil {
		t.Fatal("XGROUP CREATE on a missing stream should fail without MKSTREAM")
	}
	ok(t, db.XGroupCreateMkStream("s", "g", "$"))
	ok(t, db.XGroupCreate("s", "g2", "0"))

	for _, id := range []string{"1-0", "2-0", "3-0"} {
		_, err := db.XAdd("s", id, map[string]interface{}{"job": id})
		ok(t, err)
	}
	streams, err := db.XReadGroup(diskdb.XReadGroupArgs{Group: "g", Consumer: "alice",
		Streams: map[string]string{"s": ">"}, Count: 2})
	ok(t, err)
	eq(t, len(streams), 1)
	eq(t, streams[0].Messages, []diskdb.XMessage{
		{ID: "1-0", Values: map[string]string{"job": "1-0"}},
		{ID: "2-0", Values: map[string]string{"job": "2-0"}},
	})
	_, err = db.XReadGroup(diskdb.XReadGroupArgs{Group: "g", Consumer: "bob",
		Streams: map[string]string{"s": ">"}})
	ok(t, err)

	p, err := db.XPending("s", "g")
	ok(t, err)
	eq(t, p, diskdb.XPending{Count: 3, Lower: "1-0", Higher: "3-0",
		Consumers: map[string]int64{"alice": 2, "bob": 1}})

	n, err := db.XAck("s", "g", "1-0", "3-0", "99-0")
	ok(t, err)
	eq(t, n, int64(2))
	p, err = db.XPending("s", "g")
	ok(t, err)
	eq(t, p, diskdb.XPending{Count: 1, Lower: "2-0", Higher: "2-0",
		Consumers: map[string]int64{"alice": 1}})

	// Re-reading alice's pending entries with an ID instead of ">".
	streams, err = db.XReadGroup(diskdb.XReadGroupArgs{Group: "g", Consumer: "alice",
		Streams: map[string]string{"s": "0"}})
	ok(t, err)
	eq(t, streams[0].Messages, []diskdb.XMessage{{ID: "2-0", Values: map[string]string{"job": "2-0"}}})

	// Nothing new for the group: ErrNil; NOACK leaves nothing pending.
	_, err = db.XReadGroup(diskdb.XReadGroupArgs{Group: "g", Consumer: "alice",
		Streams: map[string]string{"s": ">"}, Block: 100 * time.Millisecond})
	wantErr(t, err, diskdb.ErrNil)
	streams, err = db.XReadGroup(diskdb.XReadGroupArgs{Group: "g2", Consumer: "c",
		Streams: map[string]string{"s": ">"}, NoAck: true})
	ok(t, err)
	eq(t, len(streams[0].Messages), 3)
	p, err = db.XPending("s", "g2")
	ok(t, err)
	eq(t, p, diskdb.XPending{Count: 0, Consumers: map[string]int64{}})
}
