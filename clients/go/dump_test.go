package diskdb_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc64"
	"math/rand"
	"strings"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

// dumpType is one kind of value for DUMP/RESTORE round trips: fill writes it
// at key, read returns what a client sees of it.
type dumpType struct {
	name string
	fill func(db *diskdb.DB, key string) error
	read func(db *diskdb.DB, key string) (interface{}, error)
}

// randomBytes is n bytes that do not compress, so a large string stays large
// in the payload (Redis LZF-compresses values that shrink).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(b)
	return b
}

func readString(db *diskdb.DB, key string) (interface{}, error) { return db.Get(key) }
func readList(db *diskdb.DB, key string) (interface{}, error)   { return db.LRange(key, 0, -1) }
func readHash(db *diskdb.DB, key string) (interface{}, error)   { return db.HGetAll(key) }
func readZSet(db *diskdb.DB, key string) (interface{}, error)   { return db.ZRangeWithScores(key, 0, -1) }
func readSet(db *diskdb.DB, key string) (interface{}, error) {
	m, err := db.SMembers(key)
	return sorted(m), err
}

// dumpTypes covers every type, in the small and large encodings Redis
// serializes differently (listpack, intset, hashtable, skiplist, quicklist).
var dumpTypes = []dumpType{
	{"string", func(db *diskdb.DB, k string) error { return db.Set(k, []byte(interopBinary)) }, readString},
	{"integer string", func(db *diskdb.DB, k string) error { return db.Set(k, -1234567) }, readString},
	{"empty string", func(db *diskdb.DB, k string) error { return db.Set(k, "") }, readString},
	{"large string", func(db *diskdb.DB, k string) error { return db.Set(k, randomBytes(100<<10)) }, readString},
	{"list", func(db *diskdb.DB, k string) error {
		_, err := db.RPush(k, "a", []byte{0, 0xff, '\r', '\n'}, "ü", 3, 1.5)
		return err
	}, readList},
	{"large list", func(db *diskdb.DB, k string) error {
		vals := make([]interface{}, 1000)
		for i := range vals {
			vals[i] = fmt.Sprintf("element %d %s", i, strings.Repeat("x", i%100))
		}
		_, err := db.RPush(k, vals...)
		return err
	}, readList},
	{"set", func(db *diskdb.DB, k string) error {
		_, err := db.SAdd(k, "x", []byte{0xff}, "ü", "")
		return err
	}, readSet},
	{"integer set", func(db *diskdb.DB, k string) error {
		_, err := db.SAdd(k, 1, 2, 3, -40000, 1<<40)
		return err
	}, readSet},
	{"large set", func(db *diskdb.DB, k string) error {
		vals := make([]interface{}, 1000)
		for i := range vals {
			vals[i] = fmt.Sprintf("member:%d", i)
		}
		_, err := db.SAdd(k, vals...)
		return err
	}, readSet},
	{"sorted set", func(db *diskdb.DB, k string) error {
		_, err := db.ZAdd(k, diskdb.Z{Score: 1.5, Member: "a"}, diskdb.Z{Score: -0.25, Member: "ü"},
			diskdb.Z{Score: 1e300, Member: "big"}, diskdb.Z{Score: 2, Member: "\x00\xff"})
		return err
	}, readZSet},
	{"large sorted set", func(db *diskdb.DB, k string) error {
		zs := make([]diskdb.Z, 300)
		for i := range zs {
			zs[i] = diskdb.Z{Score: float64(i) / 3, Member: fmt.Sprintf("member:%d", i)}
		}
		_, err := db.ZAdd(k, zs...)
		return err
	}, readZSet},
	{"hash", func(db *diskdb.DB, k string) error {
		_, err := db.HSetMap(k, map[string]interface{}{"name": "Ada", "born": 1815, "bin": []byte{0, 0xff}})
		return err
	}, readHash},
	{"large hash", func(db *diskdb.DB, k string) error {
		fields := map[string]interface{}{}
		for i := 0; i < 200; i++ {
			fields[fmt.Sprintf("field:%d", i)] = strings.Repeat("v", 100+i)
		}
		_, err := db.HSetMap(k, fields)
		return err
	}, readHash},
	{"stream", func(db *diskdb.DB, k string) error {
		if _, err := db.XAdd(k, "1-1", map[string]interface{}{"f": "v", "bin": []byte{0, 0xff}}); err != nil {
			return err
		}
		if _, err := db.XAdd(k, "2-0", map[string]interface{}{"g": "w"}); err != nil {
			return err
		}
		if err := db.XGroupCreate(k, "grp", "0"); err != nil {
			return err
		}
		_, err := db.XReadGroup(diskdb.XReadGroupArgs{Group: "grp", Consumer: "c1",
			Streams: map[string]string{k: ">"}, Count: 1})
		return err
	}, func(db *diskdb.DB, k string) (interface{}, error) {
		msgs, err := db.XRange(k, "-", "+")
		if err != nil {
			return nil, err
		}
		pending, err := db.XPending(k, "grp") // consumer groups travel too
		return []interface{}{msgs, pending}, err
	}},
}

func TestDumpRestoreEveryType(t *testing.T) {
	for _, typ := range dumpTypes {
		typ := typ
		t.Run(typ.name, func(t *testing.T) {
			db := freshDB(t)
			ok(t, typ.fill(db, "src"))
			want, err := typ.read(db, "src")
			ok(t, err)
			wantType, err := db.Type("src")
			ok(t, err)

			payload, err := db.Dump("src")
			ok(t, err)
			if len(payload) < 10 {
				t.Fatalf("DUMP payload %q is shorter than its version and checksum", payload)
			}

			ok(t, db.Restore("dst", 0, payload))
			typ2, err := db.Type("dst")
			ok(t, err)
			eq(t, typ2, wantType)
			got, err := typ.read(db, "dst")
			ok(t, err)
			eq(t, got, want)
			ttl, err := db.PTTL("dst")
			ok(t, err)
			eq(t, ttl, diskdb.TTLNoExpiry)

			// The same payload restores again after the key is gone, and
			// over a key of another type with Replace.
			_, err = db.Del("src")
			ok(t, err)
			ok(t, db.Restore("src", 0, payload))
			got, err = typ.read(db, "src")
			ok(t, err)
			eq(t, got, want)
			ok(t, db.Set("other", "a plain string"))
			ok(t, db.Restore("other", 0, payload, diskdb.RestoreOptions{Replace: true}))
			got, err = typ.read(db, "other")
			ok(t, err)
			eq(t, got, want)
		})
	}
}

func TestDumpMissingKey(t *testing.T) {
	db := freshDB(t)
	b, err := db.Dump("missing")
	wantErr(t, err, diskdb.ErrNil)
	eq(t, b, []byte(nil))
}

// errorText is the server's message in err, failing the test when err is
// not a server error reply.
func errorText(t *testing.T, err error) string {
	t.Helper()
	skipIfUnsupported(t, err)
	var e *diskdb.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want a server error", err, err)
	}
	return e.Msg
}

func TestRestoreErrors(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("k", "original"))
	payload, err := db.Dump("k")
	ok(t, err)
	_, err = db.RPush("list", "x")
	ok(t, err)

	// BUSYKEY without Replace, and the key is untouched.
	err = db.Restore("list", 0, payload)
	eq(t, errorText(t, err), "BUSYKEY Target key name already exists.")
	var e *diskdb.Error
	errors.As(err, &e)
	eq(t, e.Code(), "BUSYKEY")
	typ, _ := db.Type("list")
	eq(t, typ, "list")
	// Replace swaps the value and the type.
	ok(t, db.Restore("list", 0, payload, diskdb.RestoreOptions{Replace: true}))
	v, err := db.Get("list")
	ok(t, err)
	eq(t, v, "original")

	// A damaged checksum or version, and no payload at all.
	damaged := append([]byte(nil), payload...)
	damaged[len(damaged)-1] ^= 0xff
	eq(t, errorText(t, db.Restore("new", 0, damaged)), "ERR DUMP payload version or checksum are wrong")
	newer := dumpPayload(payload[:len(payload)-10], 99)
	eq(t, errorText(t, db.Restore("new", 0, newer)), "ERR DUMP payload version or checksum are wrong")
	eq(t, errorText(t, db.Restore("new", 0, nil)), "ERR DUMP payload version or checksum are wrong")
	// A good checksum around values that do not parse: a string announcing
	// 100 bytes (more than the whole payload holds), and an unknown type.
	version := binary.LittleEndian.Uint16(payload[len(payload)-10:])
	truncated := dumpPayload([]byte("\x00\x64hel"), version)
	eq(t, errorText(t, db.Restore("new", 0, truncated)), "ERR Bad data format")
	unknownType := dumpPayload([]byte("\xee\x01x"), version)
	eq(t, errorText(t, db.Restore("new", 0, unknownType)), "ERR Bad data format")
	// Replace does not excuse a bad payload, nor delete the key it was for.
	eq(t, errorText(t, db.Restore("k", 0, damaged, diskdb.RestoreOptions{Replace: true})),
		"ERR DUMP payload version or checksum are wrong")
	v, _ = db.Get("k")
	eq(t, v, "original")
	n, _ := db.Exists("new")
	eq(t, n, int64(0))

	// Option values the server refuses, sent as given.
	eq(t, errorText(t, db.Restore("new", -time.Second, payload)), "ERR Invalid TTL value, must be >= 0")
	eq(t, errorText(t, db.Restore("new", -time.Microsecond, payload)), "ERR Invalid TTL value, must be >= 0")
	eq(t, errorText(t, db.Restore("new", 0, payload, diskdb.RestoreOptions{IdleTime: -time.Second})),
		"ERR Invalid IDLETIME value, must be >= 0")
	freq := 256
	eq(t, errorText(t, db.Restore("new", 0, payload, diskdb.RestoreOptions{Freq: &freq})),
		"ERR Invalid FREQ value, must be >= 0 and <= 255")
	freq = 1
	eq(t, errorText(t, db.Restore("new", 0, payload, diskdb.RestoreOptions{Freq: &freq, IdleTime: time.Minute})),
		"ERR syntax error")
	n, _ = db.Exists("new")
	eq(t, n, int64(0))

	// A ttl and an absolute expiry together are refused before sending;
	// the connection stays in the pool.
	stats := db.PoolStats()
	err = db.Restore("new", time.Minute, payload, diskdb.RestoreOptions{ExpireAt: time.Now().Add(time.Hour)})
	if err == nil || errors.As(err, &e) {
		t.Fatalf("Restore with ttl and ExpireAt: got %v, want a client-side error", err)
	}
	eq(t, db.PoolStats(), stats)
	n, _ = db.Exists("new")
	eq(t, n, int64(0))
}

func TestRestoreTTL(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("k", "v"))
	payload, err := db.Dump("k")
	ok(t, err)

	between := func(key string, low, high time.Duration) {
		t.Helper()
		pttl, err := db.PTTL(key)
		ok(t, err)
		if pttl < low || pttl > high {
			t.Fatalf("PTTL %s = %v, want %v to %v", key, pttl, low, high)
		}
	}
	ok(t, db.Restore("secs", 100*time.Second, payload))
	between("secs", 98*time.Second, 100*time.Second)
	ok(t, db.Restore("ms", 1500*time.Millisecond, payload))
	between("ms", time.Second, 1500*time.Millisecond)

	// What PTTL says of a key without expiry restores without expiry.
	src, err := db.PTTL("k")
	ok(t, err)
	eq(t, src, diskdb.TTLNoExpiry)
	ok(t, db.Restore("copy", src, payload))
	between("copy", diskdb.TTLNoExpiry, diskdb.TTLNoExpiry)

	// Replace puts the new expiry (here none) in place of the old one.
	ok(t, db.Restore("secs", 0, payload, diskdb.RestoreOptions{Replace: true}))
	between("secs", diskdb.TTLNoExpiry, diskdb.TTLNoExpiry)

	// ABSTTL: an absolute expiry, and one already past restores nothing.
	ok(t, db.Restore("abs", 0, payload, diskdb.RestoreOptions{ExpireAt: time.Now().Add(time.Hour)}))
	between("abs", 59*time.Minute, time.Hour)
	ok(t, db.Restore("past", 0, payload, diskdb.RestoreOptions{ExpireAt: time.Now().Add(-time.Hour)}))
	ok(t, db.Restore("epoch", 0, payload, diskdb.RestoreOptions{ExpireAt: time.Unix(0, 0)}))
	n, err := db.Exists("past", "epoch")
	ok(t, err)
	eq(t, n, int64(0))

	// A sub-millisecond ttl is 1ms, not "no expiry", and the key goes.
	ok(t, db.Restore("brief", time.Microsecond, payload))
	time.Sleep(50 * time.Millisecond)
	_, err = db.Get("brief")
	wantErr(t, err, diskdb.ErrNil)
}

// What each option puts on the wire, read back through a real server's
// MONITOR, and its effect where the server reports it.
func TestRestoreOptionsOnTheWire(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("k", "v"))
	payload, err := db.Dump("k")
	ok(t, err)
	m, err := db.Monitor()
	ok(t, err)
	defer m.Close()

	expireAt := time.UnixMilli(4102444800123) // 2100-01-01
	zero, max := 0, 255
	p := string(payload)
	for _, tc := range []struct {
		key  string
		ttl  time.Duration
		opt  []diskdb.RestoreOptions
		want []string
	}{
		{"a", 0, nil, []string{"RESTORE", "a", "0", p}},
		{"b", 2 * time.Second, nil, []string{"RESTORE", "b", "2000", p}},
		{"c", 1500*time.Millisecond + 999*time.Microsecond, nil, []string{"RESTORE", "c", "1500", p}},
		{"d", 10 * time.Microsecond, nil, []string{"RESTORE", "d", "1", p}},
		{"e", diskdb.TTLNoExpiry, nil, []string{"RESTORE", "e", "0", p}},
		{"a", 0, []diskdb.RestoreOptions{{Replace: true}}, []string{"RESTORE", "a", "0", p, "REPLACE"}},
		{"f", 0, []diskdb.RestoreOptions{{ExpireAt: expireAt}}, []string{"RESTORE", "f", "4102444800123", p, "ABSTTL"}},
		{"g", 0, []diskdb.RestoreOptions{{IdleTime: 90*time.Second + 500*time.Millisecond}},
			[]string{"RESTORE", "g", "0", p, "IDLETIME", "90"}},
		{"h", 0, []diskdb.RestoreOptions{{Freq: &zero}}, []string{"RESTORE", "h", "0", p, "FREQ", "0"}},
		{"i", time.Minute, []diskdb.RestoreOptions{{Replace: true, Freq: &max}},
			[]string{"RESTORE", "i", "60000", p, "REPLACE", "FREQ", "255"}},
		{"j", 0, []diskdb.RestoreOptions{{Replace: true, ExpireAt: expireAt, IdleTime: time.Hour}},
			[]string{"RESTORE", "j", "4102444800123", p, "REPLACE", "ABSTTL", "IDLETIME", "3600"}},
	} {
		ok(t, db.Restore(tc.key, tc.ttl, payload, tc.opt...))
		rec := nextRecord(t, m, func(r diskdb.MonitorRecord) bool { return strings.EqualFold(r.Args[0], "RESTORE") })
		eq(t, rec.Args, tc.want)
	}

	// The effect of IDLETIME, on a server that tracks idle time (DiskDB
	// answers OBJECT IDLETIME with 0 for every key).
	ok(t, db.Restore("idle", 0, payload, diskdb.RestoreOptions{IdleTime: 1000 * time.Second}))
	idle, err := db.Do("OBJECT", "IDLETIME", "idle")
	ok(t, err)
	if n, _ := idle.(int64); n == 0 {
		t.Logf("%s reports no idle time; IDLETIME checked on the wire only", srv.kind)
	} else if n < 1000 || n > 1010 {
		t.Fatalf("OBJECT IDLETIME after RESTORE ... IDLETIME 1000 = %d", n)
	}

	// The effect of FREQ, under an LFU policy, on a server that tracks
	// access frequency (DiskDB refuses OBJECT FREQ).
	cfg, err := db.ConfigGet("maxmemory-policy")
	ok(t, err)
	ok(t, db.ConfigSet("maxmemory-policy", "allkeys-lfu"))
	defer func() { ok(t, db.ConfigSet("maxmemory-policy", cfg["maxmemory-policy"])) }()
	freq := 100
	ok(t, db.Restore("freq", 0, payload, diskdb.RestoreOptions{Freq: &freq}))
	got, err := db.Do("OBJECT", "FREQ", "freq")
	var e *diskdb.Error
	if errors.As(err, &e) && strings.Contains(e.Msg, "LFU") {
		t.Logf("%s does not track access frequency; FREQ checked on the wire only", srv.kind)
	} else {
		ok(t, err)
		eq(t, got, int64(100))
	}
}

// dumpPayload frames body as DUMP does: body, the RDB version (2 bytes, little
// endian), then the CRC-64 (Jones) of both (8 bytes, little endian).
func dumpPayload(body []byte, version uint16) []byte {
	out := append([]byte(nil), body...)
	out = binary.LittleEndian.AppendUint16(out, version)
	return binary.LittleEndian.AppendUint64(out, redisCRC64(out))
}

// redisCRC64 is Redis's CRC-64: the Jones polynomial, reflected, with no
// initial or final inversion (hash/crc64 inverts both, hence the ^s).
func redisCRC64(b []byte) uint64 {
	return ^crc64.Update(^uint64(0), jonesTable, b)
}

var jonesTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

// The checksum helper against Redis's own test vector and a real payload.
func TestRedisCRC64(t *testing.T) {
	eq(t, redisCRC64([]byte("123456789")), uint64(0xe9c6d914c4b8d9ca))
	db := freshDB(t)
	ok(t, db.Set("k", "some value"))
	payload, err := db.Dump("k")
	ok(t, err)
	n := len(payload)
	eq(t, dumpPayload(payload[:n-10], binary.LittleEndian.Uint16(payload[n-10:])), payload)
}

func TestDumpRestorePipeline(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("k", "v"))
	p := db.Pipeline()
	p.Dump("k")
	p.Dump("missing")
	results, err := p.Exec()
	ok(t, err)
	payload, isBytes := results[0].([]byte)
	if !isBytes {
		t.Fatalf("pipelined Dump gave %T, want []byte", results[0])
	}
	eq(t, results[1], diskdb.ErrNil)

	p.Restore("a", 0, payload)
	p.Restore("k", 0, payload)
	p.Restore("b", time.Minute, payload, diskdb.RestoreOptions{Replace: true})
	results, err = p.Exec()
	if errorText(t, err) != "BUSYKEY Target key name already exists." {
		t.Fatalf("pipeline Exec error %v, want the BUSYKEY reply", err)
	}
	eq(t, results[0], "OK")
	eq(t, errorText(t, results[1].(error)), "BUSYKEY Target key name already exists.")
	eq(t, results[2], "OK")
	vals, err := db.MGet("a", "b")
	ok(t, err)
	eq(t, vals, []interface{}{"v", "v"})

	// A client-side argument error fails the whole Exec before sending.
	p.Restore("c", 0, payload)
	p.Restore("d", time.Minute, payload, diskdb.RestoreOptions{ExpireAt: time.Now().Add(time.Hour)})
	if _, err := p.Exec(); err == nil {
		t.Fatal("Exec with an invalid Restore succeeded")
	}
	n, _ := db.Exists("c", "d")
	eq(t, n, int64(0))
}
