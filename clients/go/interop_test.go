package diskdb_test

// The client adds no private encoding: its data is plain Redis data on the
// wire. What the client writes, a bare net.Conn speaking hand-written RESP
// reads back as exactly the bytes any Redis client would get; what bare RESP
// writes, the client reads back as the plain Go values. The raw side below
// shares no code with the client's resp.go, so the two cannot share a mistake.
//
// A family the server lacks skips through skipIfUnsupported: the client's
// error goes there through ok, and rawConn.call sends an "unknown command"
// reply there too.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

// interopBinary holds every byte value, NUL, CR and LF included.
var interopBinary = func() string {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return string(b)
}()

// The same text twice: as Go source, and as the UTF-8 bytes the server must hold.
const (
	interopText     = "café ✓ 日本"
	interopTextUTF8 = "caf\xc3\xa9 \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac"
	interopKey      = "ключ"
	interopKeyUTF8  = "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"
)

// rawConn is a bare RESP2 connection to the test server.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", srv.addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", srv.addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

// call sends one command as a RESP array of bulk strings and returns the
// exact bytes of its reply.
func (r *rawConn) call(args ...string) string {
	r.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	_ = r.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(r.c, b.String()); err != nil {
		r.t.Fatalf("write %q: %v", args, err)
	}
	reply, err := readRawReply(r.br)
	if err != nil {
		r.t.Fatalf("reply to %q: %v", args, err)
	}
	if strings.HasPrefix(reply, "-ERR unknown command") {
		// Without the echoed arguments, which may be binary.
		msg := strings.SplitN(strings.TrimSuffix(reply[1:], "\r\n"), ", with args", 2)[0]
		skipIfUnsupported(r.t, &diskdb.Error{Msg: msg})
	}
	return reply
}

// readRawReply reads one RESP2 reply and returns it byte for byte.
func readRawReply(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return "", fmt.Errorf("bad reply line %q", line)
	}
	switch line[0] {
	case '+', '-', ':':
		return line, nil
	case '$':
		n, err := strconv.Atoi(line[1 : len(line)-2])
		if err != nil || n < 0 {
			return line, err
		}
		data := make([]byte, n+2)
		if _, err := io.ReadFull(br, data); err != nil {
			return "", err
		}
		if !strings.HasSuffix(string(data), "\r\n") {
			return "", fmt.Errorf("bulk string %q not ended by CRLF", data)
		}
		return line + string(data), nil
	case '*':
		n, err := strconv.Atoi(line[1 : len(line)-2])
		if err != nil {
			return "", err
		}
		out := line
		for i := 0; i < n; i++ {
			elem, err := readRawReply(br)
			if err != nil {
				return "", err
			}
			out += elem
		}
		return out, nil
	}
	return "", fmt.Errorf("not a RESP2 reply: %q", line)
}

// inAnyOrder reports whether reply is header followed by every item once, in
// some order: the exact bytes of an unordered reply (SMEMBERS, HGETALL).
func inAnyOrder(reply, header string, items ...string) bool {
	if !strings.HasPrefix(reply, header) {
		return false
	}
	return consumesAll(reply[len(header):], items)
}

func consumesAll(rest string, items []string) bool {
	if len(items) == 0 {
		return rest == ""
	}
	for i, item := range items {
		if strings.HasPrefix(rest, item) {
			others := append(append([]string{}, items[:i]...), items[i+1:]...)
			if consumesAll(rest[len(item):], others) {
				return true
			}
		}
	}
	return false
}

// ttlBetween reports whether reply is an integer reply within [low, high].
func ttlBetween(reply string, low, high int) bool {
	if !strings.HasPrefix(reply, ":") || !strings.HasSuffix(reply, "\r\n") {
		return false
	}
	n, err := strconv.Atoi(reply[1 : len(reply)-2])
	return err == nil && low <= n && n <= high
}

// Strings, counters, an expiry and MSET.

func TestInteropStringsWrittenByClient(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("bin\x00key", []byte(interopBinary)))
	ok(t, db.Set(interopKey, interopText))
	ok(t, db.Set("crlf", "a\r\nb\x00c"))
	ok(t, db.Set("empty", ""))
	ok(t, db.Set("int", 42))
	ok(t, db.Set("neg", -7))
	ok(t, db.Set("float", 1.5))
	ok(t, db.Set("bool", true))
	n, err := db.Incr("n")
	ok(t, err)
	eq(t, n, int64(1))
	n, err = db.IncrBy("n", 41)
	ok(t, err)
	eq(t, n, int64(42))
	f, err := db.IncrByFloat("f", 0.5)
	ok(t, err)
	eq(t, f, 0.5)
	f, err = db.IncrByFloat("f", 2.25)
	ok(t, err)
	eq(t, f, 2.75)
	ok(t, db.Set("t", "v", diskdb.SetOptions{TTL: 100 * time.Second}))
	ok(t, db.Set("plain", "v"))
	ok(t, db.MSet(map[string]interface{}{"a": "1", "b": []byte{0, 0xff}, "c": "ü", "d": 2.5}))

	raw := dialRaw(t)
	eq(t, raw.call("GET", "bin\x00key"), "$256\r\n"+interopBinary+"\r\n")
	eq(t, raw.call("GET", interopKeyUTF8), "$16\r\n"+interopTextUTF8+"\r\n")
	eq(t, raw.call("GET", "crlf"), "$6\r\na\r\nb\x00c\r\n")
	eq(t, raw.call("GET", "empty"), "$0\r\n\r\n")
	eq(t, raw.call("GET", "int"), "$2\r\n42\r\n")
	eq(t, raw.call("GET", "neg"), "$2\r\n-7\r\n")
	eq(t, raw.call("GET", "float"), "$3\r\n1.5\r\n")
	eq(t, raw.call("GET", "bool"), "$1\r\n1\r\n") // as go-redis sends it
	eq(t, raw.call("TYPE", "bin\x00key"), "+string\r\n")
	// Counters are the decimal text Redis keeps, so Redis's own arithmetic continues.
	eq(t, raw.call("GET", "n"), "$2\r\n42\r\n")
	eq(t, raw.call("INCR", "n"), ":43\r\n")
	eq(t, raw.call("GET", "f"), "$4\r\n2.75\r\n")
	eq(t, raw.call("INCRBYFLOAT", "f", "0.25"), "$1\r\n3\r\n")
	// The TTL is a real server-side expiry, not something the client tracks.
	if reply := raw.call("TTL", "t"); !ttlBetween(reply, 98, 100) {
		t.Fatalf("TTL t = %q, want :98 to :100", reply)
	}
	eq(t, raw.call("GET", "t"), "$1\r\nv\r\n")
	eq(t, raw.call("TTL", "plain"), ":-1\r\n")
	eq(t, raw.call("MGET", "a", "b", "c", "d", "missing"),
		"*5\r\n$1\r\n1\r\n$2\r\n\x00\xff\r\n$2\r\n\xc3\xbc\r\n$3\r\n2.5\r\n$-1\r\n")
}

func TestInteropStringsWrittenRaw(t *testing.T) {
	db := freshDB(t)
	raw := dialRaw(t)
	eq(t, raw.call("SET", "bin\x00key", interopBinary), "+OK\r\n")
	eq(t, raw.call("SET", interopKeyUTF8, interopTextUTF8), "+OK\r\n")
	eq(t, raw.call("SET", "crlf", "a\r\nb\x00c"), "+OK\r\n")
	eq(t, raw.call("SET", "empty", ""), "+OK\r\n")
	eq(t, raw.call("SET", "n", "41"), "+OK\r\n")
	eq(t, raw.call("INCRBYFLOAT", "f", "2.75"), "$4\r\n2.75\r\n")
	eq(t, raw.call("SET", "t", "v", "EX", "100"), "+OK\r\n")
	eq(t, raw.call("MSET", "a", "1", "b", "\x00\xff", "c", "\xc3\xbc"), "+OK\r\n")

	get := func(key string) string {
		t.Helper()
		v, err := db.Get(key)
		ok(t, err)
		return v
	}
	eq(t, get("bin\x00key"), interopBinary)
	eq(t, get(interopKey), interopText)
	eq(t, get("crlf"), "a\r\nb\x00c")
	eq(t, get("empty"), "")
	n, err := db.Incr("n")
	ok(t, err)
	eq(t, n, int64(42))
	eq(t, get("n"), "42")
	f, err := db.IncrByFloat("f", 0.25)
	ok(t, err)
	eq(t, f, 3.0)
	eq(t, get("f"), "3")
	ttl, err := db.TTL("t")
	ok(t, err)
	if ttl < 98*time.Second || ttl > 100*time.Second {
		t.Fatalf("TTL t = %v, want 98s to 100s", ttl)
	}
	eq(t, get("t"), "v")
	vals, err := db.MGet("a", "b", "c", "missing")
	ok(t, err)
	eq(t, vals, []interface{}{"1", "\x00\xff", "ü", nil})
	n, err = db.Exists("bin\x00key", interopKey, "a", "b", "c")
	ok(t, err)
	eq(t, n, int64(5))
}

// Collections: each test skips until the server has the family. A test's first
// command carries text only, because the skip message quotes the server's
// error, which echoes the arguments (and binary output upsets grep SKIP).

func TestInteropHashWrittenByClient(t *testing.T) {
	db := freshDB(t)
	n, err := db.HSet("h", "name", "Ada")
	ok(t, err)
	eq(t, n, int64(1))
	n, err = db.HSetMap("h", map[string]interface{}{"born": 1815, "bin": []byte{0, 0xff}})
	ok(t, err)
	eq(t, n, int64(2))

	raw := dialRaw(t)
	eq(t, raw.call("HMGET", "h", "name", "born", "bin", "nope"),
		"*4\r\n$3\r\nAda\r\n$4\r\n1815\r\n$2\r\n\x00\xff\r\n$-1\r\n")
	if reply := raw.call("HGETALL", "h"); !inAnyOrder(reply, "*6\r\n",
		"$4\r\nname\r\n$3\r\nAda\r\n", "$4\r\nborn\r\n$4\r\n1815\r\n", "$3\r\nbin\r\n$2\r\n\x00\xff\r\n") {
		t.Fatalf("HGETALL h = %q", reply)
	}
}

func TestInteropHashWrittenRaw(t *testing.T) {
	db := freshDB(t)
	raw := dialRaw(t)
	eq(t, raw.call("HSET", "h", "name", "Ada", "born", "1815", "bin", "\x00\xff"), ":3\r\n")
	all, err := db.HGetAll("h")
	ok(t, err)
	eq(t, all, map[string]string{"name": "Ada", "born": "1815", "bin": "\x00\xff"})
	born, err := db.HGet("h", "born")
	ok(t, err)
	eq(t, born, "1815")
}

func TestInteropListWrittenByClient(t *testing.T) {
	db := freshDB(t)
	n, err := db.RPush("l", "a")
	ok(t, err)
	eq(t, n, int64(1))
	n, err = db.RPush("l", []byte{0, 0xff}, "ü", 3, 1.5)
	ok(t, err)
	eq(t, n, int64(5))

	raw := dialRaw(t)
	eq(t, raw.call("LRANGE", "l", "0", "-1"),
		"*5\r\n$1\r\na\r\n$2\r\n\x00\xff\r\n$2\r\n\xc3\xbc\r\n$1\r\n3\r\n$3\r\n1.5\r\n")
}

func TestInteropListWrittenRaw(t *testing.T) {
	db := freshDB(t)
	raw := dialRaw(t)
	eq(t, raw.call("RPUSH", "l", "a", "\x00\xff", "\xc3\xbc", "3"), ":4\r\n")
	vals, err := db.LRange("l", 0, -1)
	ok(t, err)
	eq(t, vals, []string{"a", "\x00\xff", "ü", "3"})
	v, err := db.LIndex("l", 2)
	ok(t, err)
	eq(t, v, "ü")
}

func TestInteropSetWrittenByClient(t *testing.T) {
	db := freshDB(t)
	n, err := db.SAdd("s", "x")
	ok(t, err)
	eq(t, n, int64(1))
	n, err = db.SAdd("s", []byte{0xff}, "ü")
	ok(t, err)
	eq(t, n, int64(2))

	raw := dialRaw(t)
	if reply := raw.call("SMEMBERS", "s"); !inAnyOrder(reply, "*3\r\n", "$1\r\nx\r\n", "$1\r\n\xff\r\n", "$2\r\n\xc3\xbc\r\n") {
		t.Fatalf("SMEMBERS s = %q", reply)
	}
	eq(t, raw.call("SISMEMBER", "s", "\xc3\xbc"), ":1\r\n")
}

func TestInteropSetWrittenRaw(t *testing.T) {
	db := freshDB(t)
	raw := dialRaw(t)
	eq(t, raw.call("SADD", "s", "x", "\xff", "\xc3\xbc"), ":3\r\n")
	members, err := db.SMembers("s")
	ok(t, err)
	eq(t, sorted(members), []string{"x", "ü", "\xff"})
	in, err := db.SIsMember("s", "ü")
	ok(t, err)
	eq(t, in, true)
}

func TestInteropZSetWrittenByClient(t *testing.T) {
	db := freshDB(t)
	n, err := db.ZAdd("z", diskdb.Z{Score: 1.5, Member: "a"}, diskdb.Z{Score: 2, Member: "b"},
		diskdb.Z{Score: -0.25, Member: "ü"})
	ok(t, err)
	eq(t, n, int64(3))

	raw := dialRaw(t)
	eq(t, raw.call("ZRANGE", "z", "0", "-1", "WITHSCORES"),
		"*6\r\n$2\r\n\xc3\xbc\r\n$5\r\n-0.25\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n")
	eq(t, raw.call("ZSCORE", "z", "a"), "$3\r\n1.5\r\n")
}

func TestInteropZSetWrittenRaw(t *testing.T) {
	db := freshDB(t)
	raw := dialRaw(t)
	eq(t, raw.call("ZADD", "z", "1.5", "a", "2", "b", "-0.25", "\xc3\xbc"), ":3\r\n")
	zs, err := db.ZRangeWithScores("z", 0, -1)
	ok(t, err)
	eq(t, zs, []diskdb.Z{{Score: -0.25, Member: "ü"}, {Score: 1.5, Member: "a"}, {Score: 2, Member: "b"}})
	s, err := db.ZScore("z", "b")
	ok(t, err)
	eq(t, s, 2.0)
}

// DUMP payloads are binary (RDB version and checksum bytes included): the
// bytes the client returns are the server's, byte for byte, and a payload
// travels between the client and a bare connection either way.

func TestInteropDump(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("k", []byte(interopBinary)))
	payload, err := db.Dump("k")
	ok(t, err)

	raw := dialRaw(t)
	eq(t, raw.call("DUMP", "k"), fmt.Sprintf("$%d\r\n%s\r\n", len(payload), payload))
	eq(t, raw.call("RESTORE", "from-client", "0", string(payload)), "+OK\r\n")
	eq(t, raw.call("GET", "from-client"), "$256\r\n"+interopBinary+"\r\n")

	eq(t, raw.call("RPUSH", "l", "a", "\x00\xff", "\xc3\xbc"), ":3\r\n")
	reply := raw.call("DUMP", "l")
	header, body, _ := strings.Cut(reply, "\r\n")
	n, err := strconv.Atoi(header[1:])
	ok(t, err)
	ok(t, db.Restore("from-raw", 0, []byte(body[:n])))
	vals, err := db.LRange("from-raw", 0, -1)
	ok(t, err)
	eq(t, vals, []string{"a", "\x00\xff", "ü"})
}

// TestInteropDumpAcrossServers moves payloads between DiskDB and Redis 7 in
// both directions, as a migration would: DUMP on one server, RESTORE on the
// other. It starts the kind of server the suite is not running against, and
// skips when that one is not installed. Streams are left out: DiskDB's DUMP
// and RESTORE do not handle them yet.
func TestInteropDumpAcrossServers(t *testing.T) {
	other, odb := startOtherServer(t)
	db := freshDB(t)

	for _, typ := range dumpTypes {
		if typ.name == "stream" {
			continue
		}
		for _, dir := range bothWays(db, odb, other) {
			ok(t, dir.from.FlushDB())
			ok(t, dir.to.FlushDB())
			ok(t, typ.fill(dir.from, "k"))
			want, err := typ.read(dir.from, "k")
			ok(t, err)
			payload, err := dir.from.Dump("k")
			ok(t, err)
			if err := dir.to.Restore("k", time.Minute, payload); err != nil {
				t.Fatalf("%s, %s: RESTORE: %v", typ.name, dir.name, err)
			}
			got, err := typ.read(dir.to, "k")
			ok(t, err)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, %s: got %#v, want %#v", typ.name, dir.name, got, want)
			}
			ttl, err := dir.to.TTL("k")
			ok(t, err)
			if ttl < 58*time.Second || ttl > time.Minute {
				t.Fatalf("%s, %s: TTL %v, want about 1m", typ.name, dir.name, ttl)
			}
		}
	}
}

// direction is one way a payload travels between the suite's server and the other one.
type direction struct {
	from, to *diskdb.DB
	name     string
}

// bothWays is the suite's server to the other and back, db and odb their clients.
func bothWays(db, odb *diskdb.DB, other *testServer) []direction {
	return []direction{{db, odb, srv.kind + " to " + other.kind}, {odb, db, other.kind + " to " + srv.kind}}
}

// startOtherServer starts the kind of server the suite is not running
// against, for payloads to move to, and connects to it; both are stopped when
// the test ends. It skips the test when that server is not installed.
func startOtherServer(t *testing.T) (*testServer, *diskdb.DB) {
	t.Helper()
	if useRedis() {
		if _, err := diskdbBinary(); err != nil {
			t.Skipf("no DiskDB server to move payloads to: %v", err)
		}
	} else if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("no redis-server to move payloads to")
	}
	other, err := startServerOf(!useRedis())
	if err != nil {
		t.Fatalf("cannot start the second server: %v", err)
	}
	t.Cleanup(other.stop)
	odb, err := diskdb.Connect(other.addr)
	ok(t, err)
	t.Cleanup(func() { odb.Close() })
	return other, odb
}

// TestInteropFunctionDumpAcrossServers moves function libraries between
// DiskDB and Redis 7 in both directions: FUNCTION DUMP on one server,
// FUNCTION RESTORE on the other, then the functions run there with their
// code, flags and descriptions intact.
func TestInteropFunctionDumpAcrossServers(t *testing.T) {
	other, odb := startOtherServer(t)
	db := functionsDB(t)
	t.Cleanup(func() { _ = odb.FunctionFlush() })
	for _, dir := range bothWays(db, odb, other) {
		ok(t, dir.from.FunctionFlush())
		ok(t, dir.to.FunctionFlush())
		_, err := dir.from.FunctionLoad(myLib)
		ok(t, err)
		_, err = dir.from.FunctionLoad(otherLib)
		ok(t, err)
		payload, err := dir.from.FunctionDump()
		ok(t, err)
		if err := dir.to.FunctionRestore(payload, ""); err != nil {
			t.Fatalf("%s: FUNCTION RESTORE: %v", dir.name, err)
		}
		want, err := dir.from.FunctionList(diskdb.FunctionListOptions{WithCode: true})
		ok(t, err)
		got, err := dir.to.FunctionList(diskdb.FunctionListOptions{WithCode: true})
		ok(t, err)
		if !reflect.DeepEqual(sortedLibraries(got), sortedLibraries(want)) {
			t.Fatalf("%s: got libraries %#v, want %#v", dir.name, got, want)
		}
		v, err := dir.to.FCallRO("echo_it", []string{"k"}, "v")
		ok(t, err)
		eq(t, v, []interface{}{"k", "v"})
		v, err = dir.to.FCall("plus_one", nil, 41)
		ok(t, err)
		eq(t, v, int64(42))
	}
}
