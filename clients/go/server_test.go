package diskdb_test

import (
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
