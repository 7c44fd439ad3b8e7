package diskdb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

// nextRecord returns the next MONITOR record that match accepts, skipping
// others (the pool's own commands), and fails after 5s without one.
func nextRecord(t *testing.T, m *diskdb.Monitor, match func(diskdb.MonitorRecord) bool) diskdb.MonitorRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		rec, err := m.ReceiveContext(ctx)
		if err != nil {
			t.Fatalf("waiting for a MONITOR record: %v", err)
		}
		if len(rec.Args) > 0 && match(rec) {
			return rec
		}
	}
}

// Another client's commands, arguments of every byte value included, come
// back exactly as that client sent them.
func TestMonitor(t *testing.T) {
	db := freshDB(t)
	m, err := db.Monitor()
	ok(t, err)
	defer m.Close()

	raw := dialRaw(t)
	from := raw.c.LocalAddr().String()
	fromRaw := func(r diskdb.MonitorRecord) bool { return r.Addr == from }
	tricky := []string{
		"SET",
		`mon"key\`,
		"\n\r\t\a\b \x00\x01\x1f\x7f\x80\xff é ✓ \\x41 \\n \"q\" ] [",
	}
	before := time.Now()
	eq(t, raw.call(tricky...), "+OK\r\n")
	rec := nextRecord(t, m, fromRaw)
	eq(t, rec.Args, tricky)
	eq(t, rec.DB, 0)
	eq(t, rec.Addr, from)
	// Same machine, same clock: the record's time is within the call, give
	// or take the server's rounding to microseconds.
	if rec.Time.Before(before.Add(-time.Second)) || rec.Time.After(time.Now().Add(time.Second)) {
		t.Fatalf("record time %v, want about %v", rec.Time, before)
	}

	// Every byte value, an empty argument, and the order of several commands.
	eq(t, raw.call("SET", "all", interopBinary), "+OK\r\n")
	eq(t, raw.call("APPEND", "all", ""), ":256\r\n")
	eq(t, raw.call("GET", interopKeyUTF8), "$-1\r\n")
	eq(t, nextRecord(t, m, fromRaw).Args, []string{"SET", "all", interopBinary})
	eq(t, nextRecord(t, m, fromRaw).Args, []string{"APPEND", "all", ""})
	eq(t, nextRecord(t, m, fromRaw).Args, []string{"GET", interopKey})

	// The client's own commands, from a pool on database 2.
	db2, err := diskdb.ConnectOptions(srv.addr, diskdb.Options{DB: 2})
	ok(t, err)
	defer db2.Close()
	ok(t, db2.Set("mon:db2", []byte{0, 0xff, '"'}))
	rec = nextRecord(t, m, func(r diskdb.MonitorRecord) bool { return len(r.Args) > 1 && r.Args[1] == "mon:db2" })
	eq(t, rec.Args, []string{"SET", "mon:db2", "\x00\xff\""})
	eq(t, rec.DB, 2)
	_, err = db2.Del("mon:db2")
	ok(t, err)
}

// A Monitor holds one pool slot until Close, which closes its connection
// rather than pooling it; the server then has no monitor left.
func TestMonitorClose(t *testing.T) {
	freshDB(t)
	waitForMonitors(t, 0) // the server may still be dropping earlier tests' monitors
	db, err := diskdb.ConnectOptions(srv.addr, diskdb.Options{PoolSize: 1})
	ok(t, err)
	defer db.Close()
	eq(t, db.PoolStats(), diskdb.PoolStats{Open: 1, Idle: 1})

	m, err := db.Monitor()
	ok(t, err)
	eq(t, db.PoolStats(), diskdb.PoolStats{Open: 1, Idle: 0})
	waitForMonitors(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = db.WithContext(ctx).Get("k")
	wantErr(t, err, context.DeadlineExceeded) // the only slot is the monitor's

	// Close ends a Receive that is waiting.
	received := make(chan error, 1)
	go func() {
		_, err := m.Receive()
		received <- err
	}()
	time.Sleep(100 * time.Millisecond)
	ok(t, m.Close())
	select {
	case err := <-received:
		wantErr(t, err, diskdb.ErrClosed)
	case <-time.After(2 * time.Second):
		t.Fatal("Receive still waiting 2s after Close")
	}
	_, err = m.Receive()
	wantErr(t, err, diskdb.ErrClosed)
	wantErr(t, m.Close(), diskdb.ErrClosed)

	// The connection was closed, not pooled: the next command dials a fresh
	// one, which answers normally, and the server's monitor is gone.
	eq(t, db.PoolStats(), diskdb.PoolStats{Open: 0, Idle: 0})
	ok(t, db.Set("k", "v"))
	v, err := db.Get("k")
	ok(t, err)
	eq(t, v, "v")
	eq(t, db.PoolStats(), diskdb.PoolStats{Open: 1, Idle: 1})
	waitForMonitors(t, 0)

	// A closed DB starts no monitor.
	ok(t, db.Close())
	_, err = db.Monitor()
	wantErr(t, err, diskdb.ErrClosed)
}

// waitForMonitors waits up to 2s for the server to have n clients in MONITOR
// mode: it notices a closed connection a moment after the client closes it.
func waitForMonitors(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		got := monitorsOnServer(t)
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server has %d monitors, want %d", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// monitorsOnServer counts the clients CLIENT LIST shows in MONITOR mode
// (flag O).
func monitorsOnServer(t *testing.T) int {
	t.Helper()
	v, err := testDB.Do("CLIENT", "LIST")
	ok(t, err)
	n := 0
	for _, line := range strings.Split(v.(string), "\n") {
		for _, field := range strings.Fields(line) {
			if strings.HasPrefix(field, "flags=") && strings.Contains(field, "O") {
				n++
			}
		}
	}
	return n
}

// A context bounds one wait without ending the Monitor; the handle's context
// bounds Receive.
func TestMonitorContext(t *testing.T) {
	db := freshDB(t)
	m, err := db.Monitor()
	ok(t, err)
	defer m.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = m.ReceiveContext(ctx)
	wantErr(t, err, context.DeadlineExceeded)
	if el := time.Since(start); el < 100*time.Millisecond || el > time.Second {
		t.Fatalf("ReceiveContext with a 150ms deadline returned after %v", el)
	}
	_, err = m.ReceiveContext(ctx) // already expired: returns at once
	wantErr(t, err, context.DeadlineExceeded)

	raw := dialRaw(t)
	eq(t, raw.call("ECHO", "still there"), "$11\r\nstill there\r\n")
	rec := nextRecord(t, m, func(r diskdb.MonitorRecord) bool { return r.Addr == raw.c.LocalAddr().String() })
	eq(t, rec.Args, []string{"ECHO", "still there"})

	ctx2, cancel2 := context.WithCancel(context.Background())
	m2, err := db.WithContext(ctx2).Monitor()
	ok(t, err)
	defer m2.Close()
	time.AfterFunc(100*time.Millisecond, cancel2)
	_, err = m2.Receive()
	wantErr(t, err, context.Canceled)
	_, err = db.WithContext(ctx2).Monitor()
	wantErr(t, err, context.Canceled)
}
