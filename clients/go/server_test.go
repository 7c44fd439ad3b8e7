package diskdb_test

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

func TestPingEcho(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Ping())
	s, err := db.Echo("hé\x00llo")
	ok(t, err)
	eq(t, s, "hé\x00llo")
}

func TestInfo(t *testing.T) {
	db := freshDB(t)
	all, err := db.Info()
	ok(t, err)
	if len(all) == 0 {
		t.Fatal("INFO returned no fields")
	}
	server, err := db.Info("server")
	ok(t, err)
	if server["tcp_port"] != srv.addr[len("127.0.0.1:"):] {
		t.Fatalf("INFO server tcp_port = %q, want the test port; fields: %v", server["tcp_port"], server)
	}
	for k := range server {
		if k == "" || k[0] == '#' {
			t.Fatalf("INFO kept a header or blank line: %q", k)
		}
	}
}

func TestConfig(t *testing.T) {
	db := freshDB(t)
	cfg, err := db.ConfigGet("maxclients")
	ok(t, err)
	if _, found := cfg["maxclients"]; !found || len(cfg) != 1 {
		t.Fatalf("CONFIG GET maxclients = %v", cfg)
	}

	// Set a harmless parameter, read it back, and restore it.
	cfg, err = db.ConfigGet("slowlog-log-slower-than")
	ok(t, err)
	old, found := cfg["slowlog-log-slower-than"]
	if !found {
		t.Skipf("%s has no slowlog-log-slower-than parameter", srv.kind)
	}
	ok(t, db.ConfigSet("slowlog-log-slower-than", "12345"))
	defer func() { ok(t, db.ConfigSet("slowlog-log-slower-than", old)) }()
	cfg, err = db.ConfigGet("slowlog-log-slower-than")
	ok(t, err)
	eq(t, cfg["slowlog-log-slower-than"], "12345")

	err = db.ConfigSet("no-such-parameter", "1")
	skipIfUnsupported(t, err)
	if err == nil {
		t.Fatal("CONFIG SET of an unknown parameter succeeded")
	}
}

func TestTime(t *testing.T) {
	db := freshDB(t)
	before := time.Now()
	ts, err := db.Time()
	ok(t, err)
	// Same machine: the server's clock is ours, within the round trip.
	if d := ts.Sub(before); d < -time.Second || d > 5*time.Second {
		t.Fatalf("server time %v is %v away from ours", ts, d)
	}
	if ts.Nanosecond()%1000 != 0 {
		t.Fatalf("TIME has microsecond precision, got %v", ts)
	}
}

// logEverything makes the server log every command for the test, restoring
// the threshold afterwards (every test shares the server) and emptying the log.
func logEverything(t *testing.T, db *diskdb.DB) {
	t.Helper()
	cfg, err := db.ConfigGet("slowlog-log-slower-than")
	ok(t, err)
	old := cfg["slowlog-log-slower-than"]
	ok(t, db.ConfigSet("slowlog-log-slower-than", "0"))
	t.Cleanup(func() {
		ok(t, db.ConfigSet("slowlog-log-slower-than", old))
		ok(t, db.SlowLogReset())
	})
}

func TestSlowLog(t *testing.T) {
	db := freshDB(t)
	logEverything(t, db)
	ok(t, db.SlowLogReset()) // the entries after this one are this test's
	ok(t, db.Set("greeting", "hello world"))
	n, err := db.SlowLogLen()
	ok(t, err)
	eq(t, n, int64(2)) // SLOWLOG RESET itself, then SET
	entries, err := db.SlowLogGet(-1)
	ok(t, err)
	var args [][]string
	for _, e := range entries {
		args = append(args, e.Args)
	}
	eq(t, args, [][]string{{"SLOWLOG", "LEN"}, {"SET", "greeting", "hello world"}, {"SLOWLOG", "RESET"}})
	first := entries[2].ID
	for i, e := range entries {
		eq(t, e.ID, first+int64(2-i))
		if d := time.Since(e.Time); d < -time.Second || d > 5*time.Second {
			t.Fatalf("entry %d started %v ago", i, d)
		}
		if e.Duration < 0 || e.Duration%time.Microsecond != 0 {
			t.Fatalf("entry %d: duration %v", i, e.Duration)
		}
		if !strings.HasPrefix(e.ClientAddr, "127.0.0.1:") || e.ClientName != "" {
			t.Fatalf("entry %d: client %q %q", i, e.ClientAddr, e.ClientName)
		}
	}
	entries, err = db.SlowLogGet(1)
	ok(t, err)
	eq(t, len(entries), 1)
	eq(t, entries[0].Args, []string{"SLOWLOG", "GET", "-1"})
	entries, err = db.SlowLogGet(0)
	ok(t, err)
	eq(t, entries, []diskdb.SlowLogEntry{})

	ok(t, db.ConfigSet("slowlog-log-slower-than", "10000000")) // 10 seconds
	ok(t, db.SlowLogReset())
	ok(t, db.Set("a", "1"))
	n, err = db.SlowLogLen()
	ok(t, err)
	eq(t, n, int64(0))
}

// tracker connects a one-connection client: tracking belongs to a
// connection, so every command of the test must run on the same one.
func tracker(t *testing.T) *diskdb.DB {
	t.Helper()
	db, err := diskdb.ConnectOptions(srv.addr, diskdb.Options{PoolSize: 1})
	ok(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func trackingInfo(t *testing.T, db *diskdb.DB) diskdb.TrackingInfo {
	t.Helper()
	info, err := db.ClientTrackingInfo()
	ok(t, err)
	sort.Strings(info.Flags) // a set: the servers' orders differ
	return info
}

func getRedir(t *testing.T, db *diskdb.DB) int64 {
	t.Helper()
	n, err := db.ClientGetRedir()
	ok(t, err)
	return n
}

func TestClientTracking(t *testing.T) {
	freshDB(t)
	c := tracker(t)
	off := diskdb.TrackingInfo{Flags: []string{"off"}, Redirect: -1, Prefixes: []string{}}
	eq(t, trackingInfo(t, c), off)
	eq(t, getRedir(t, c), int64(-1))

	ok(t, c.ClientTracking(true))
	eq(t, getRedir(t, c), int64(0))
	eq(t, trackingInfo(t, c), diskdb.TrackingInfo{Flags: []string{"on"}, Redirect: 0, Prefixes: []string{}})
	ok(t, c.ClientTracking(false))
	eq(t, trackingInfo(t, c), off)

	ok(t, c.ClientTracking(true, diskdb.TrackingOptions{BCast: true, Prefixes: []string{"user:", "obj:"}, NoLoop: true}))
	info := trackingInfo(t, c)
	sort.Strings(info.Prefixes)
	eq(t, info, diskdb.TrackingInfo{Flags: []string{"bcast", "noloop", "on"}, Prefixes: []string{"obj:", "user:"}})
	ok(t, c.ClientTracking(false))
	// BCAST without a prefix covers every key: the empty prefix.
	ok(t, c.ClientTracking(true, diskdb.TrackingOptions{BCast: true}))
	eq(t, trackingInfo(t, c).Prefixes, []string{""})
	ok(t, c.ClientTracking(false))

	id, err := c.ClientID()
	ok(t, err)
	ok(t, c.ClientTracking(true, diskdb.TrackingOptions{Redirect: id, OptIn: true}))
	eq(t, getRedir(t, c), id)
	ok(t, c.ClientCaching(true)) // tracks the next command's reads
	eq(t, trackingInfo(t, c), diskdb.TrackingInfo{Flags: []string{"caching-yes", "on", "optin"}, Redirect: id, Prefixes: []string{}})
	ok(t, c.ClientTracking(false))
	ok(t, c.ClientTracking(true, diskdb.TrackingOptions{OptOut: true}))
	ok(t, c.ClientCaching(false))
	ok(t, c.ClientTracking(false))

	// Errors: the server's, and one the client finds before sending.
	if msg := errorText(t, c.ClientCaching(true)); !strings.HasPrefix(msg, "ERR CLIENT CACHING can be called only when the client is in tracking mode") {
		t.Fatalf("CLIENT CACHING while not tracking: %q", msg)
	}
	eq(t, errorText(t, c.ClientTracking(true, diskdb.TrackingOptions{Redirect: 1 << 62})),
		"ERR The client ID you want redirect to does not exist")
	stats := c.PoolStats()
	err = c.ClientTracking(true, diskdb.TrackingOptions{Prefixes: []string{"user:"}})
	var e *diskdb.Error
	if err == nil || errors.As(err, &e) {
		t.Fatalf("Prefixes without BCast: got %v, want a client-side error", err)
	}
	eq(t, c.PoolStats(), stats)
	eq(t, trackingInfo(t, c), off)

	// In a pipeline, on the pipeline's one connection.
	p := c.Pipeline()
	p.ClientTracking(true)
	p.ClientGetRedir()
	p.ClientTrackingInfo()
	p.ClientTracking(false)
	results, err := p.Exec()
	ok(t, err)
	eq(t, results, []interface{}{"OK", int64(0), diskdb.TrackingInfo{Flags: []string{"on"}, Prefixes: []string{}}, "OK"})
}

// The RESP2 way to receive invalidations: a connection subscribed to
// __redis__:invalidate gets them as messages when a tracking connection
// redirects there. The client has no pub/sub API, so the subscriber is a bare
// connection.
func TestClientTrackingRedirectToSubscriber(t *testing.T) {
	db := freshDB(t)
	sub := dialRaw(t)
	idReply := sub.call("CLIENT", "ID")
	subID, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(idReply, ":"), "\r\n"), 10, 64)
	if err != nil {
		t.Fatalf("CLIENT ID: %q", idReply)
	}
	eq(t, sub.call("SUBSCRIBE", "__redis__:invalidate"), "*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n")
	next := func() string {
		t.Helper()
		_ = sub.c.SetDeadline(time.Now().Add(5 * time.Second))
		msg, err := readRawReply(sub.br)
		if err != nil {
			t.Fatalf("waiting for an invalidation: %v", err)
		}
		return msg
	}

	c := tracker(t)
	ok(t, db.Set("cached", "v1"))
	ok(t, c.ClientTracking(true, diskdb.TrackingOptions{Redirect: subID}))
	eq(t, getRedir(t, c), subID)
	v, err := c.Get("cached") // the server now remembers that c read it
	ok(t, err)
	eq(t, v, "v1")
	ok(t, db.Set("cached", "v2")) // a third client writes it
	eq(t, next(), "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$6\r\ncached\r\n")

	// The tracking connection itself gets nothing over RESP2 and keeps
	// answering in step, its own writes included.
	v, err = c.Get("cached")
	ok(t, err)
	eq(t, v, "v2")
	ok(t, c.Set("cached", "v3"))
	eq(t, next(), "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$6\r\ncached\r\n")
	n, err := c.Incr("counter")
	ok(t, err)
	eq(t, n, int64(1))
	ok(t, c.ClientTracking(false))
	eq(t, getRedir(t, c), int64(-1))
}

func TestClientPauseWrite(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("k", "v"))
	ok(t, db.ClientPause(10*time.Minute, "WRITE")) // held until ClientUnpause
	unpaused := false
	defer func() {
		if !unpaused {
			_ = db.ClientUnpause()
		}
	}()
	v, err := db.Get("k") // reads still run
	ok(t, err)
	eq(t, v, "v")
	done := make(chan error, 1)
	go func() { done <- db.Set("k", "w") }()
	select {
	case err := <-done:
		t.Fatalf("a write ran during CLIENT PAUSE WRITE (err %v)", err)
	case <-time.After(200 * time.Millisecond): // still held, as it should be
	}
	ok(t, db.ClientUnpause())
	unpaused = true
	ok(t, <-done)
	v, err = db.Get("k")
	ok(t, err)
	eq(t, v, "w")
}

func TestClientPauseAll(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("k", "v"))
	// ALL holds every command, CLIENT UNPAUSE too: only a short pause here.
	ok(t, db.ClientPause(50*time.Millisecond, ""))
	v, err := db.Get("k") // answered once the pause is over
	ok(t, err)
	eq(t, v, "v")
	ok(t, db.ClientUnpause()) // nothing to end: still OK
	p := db.Pipeline()
	p.ClientPause(time.Microsecond, "ALL") // sent as 1ms
	p.ClientUnpause()
	results, err := p.Exec()
	ok(t, err)
	eq(t, results, []interface{}{"OK", "OK"})
}
