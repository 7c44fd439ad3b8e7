package diskdb_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

// Many goroutines share one DB; each checks it gets its own replies back.
func TestConcurrentUse(t *testing.T) {
	freshDB(t)
	db, err := diskdb.ConnectOptions(srv.addr, diskdb.Options{PoolSize: 4})
	ok(t, err)
	defer db.Close()

	const workers, rounds = 16, 100
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				key := fmt.Sprintf("w%d", w)
				want := fmt.Sprintf("%d-%d", w, i)
				if err := db.Set(key, want); err != nil {
					errs <- err
					return
				}
				got, err := db.Get(key)
				if err == nil && got != want {
					err = fmt.Errorf("worker %d read %q, want %q", w, got, want)
				}
				if err == nil {
					_, err = db.Incr("counter")
				}
				if err != nil {
					errs <- err
					return
				}
				if st := db.PoolStats(); st.Open > 4 {
					errs <- fmt.Errorf("pool has %d connections open, limit 4", st.Open)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	v, err := db.Get("counter")
	ok(t, err)
	eq(t, v, fmt.Sprint(workers*rounds))
}

// A command that times out leaves its connection with a reply still coming;
// that connection must be closed, not reused. The scripted server answers the
// first command late: had the connection been reused, the second command
// would read the first one's stale reply.
func TestBrokenConnectionIsDiscarded(t *testing.T) {
	f := newFakeServer(t, "+first\r\n", "+second\r\n")
	f.delays = map[int]time.Duration{0: 500 * time.Millisecond}
	db, err := diskdb.ConnectOptions(f.addr(), diskdb.Options{ReadTimeout: 100 * time.Millisecond, PoolSize: 1})
	ok(t, err)
	defer db.Close()
	eq(t, db.PoolStats(), diskdb.PoolStats{Open: 1, Idle: 1})

	start := time.Now()
	_, err = db.Echo("a")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("got %v, want a timeout", err)
	}
	if el := time.Since(start); el < 90*time.Millisecond || el > 400*time.Millisecond {
		t.Fatalf("timed out after %v, want about 100ms", el)
	}
	eq(t, db.PoolStats(), diskdb.PoolStats{Open: 0, Idle: 0})

	time.Sleep(500 * time.Millisecond) // the late reply is sent now, to a closed socket
	v, err := db.Echo("b")
	ok(t, err)
	eq(t, v, "second")
	eq(t, db.PoolStats(), diskdb.PoolStats{Open: 1, Idle: 1})
}

// Cancelling or timing out a context interrupts a command stuck on the
// network even with no read timeout at all, as for BLPOP with timeout 0.
func TestContextInterruptsCommand(t *testing.T) {
	f := newFakeServer(t, "+late\r\n", "+late\r\n", "+PONG\r\n")
	f.delays = map[int]time.Duration{0: 5 * time.Second, 1: 5 * time.Second}
	db, err := diskdb.ConnectOptions(f.addr(), diskdb.Options{ReadTimeout: -1, PoolSize: 2})
	ok(t, err)
	defer db.Close()

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(150*time.Millisecond, cancel)
	start := time.Now()
	_, err = db.WithContext(ctx).Get("k")
	wantErr(t, err, context.Canceled)
	if el := time.Since(start); el > time.Second {
		t.Fatalf("cancel took %v to interrupt", el)
	}
	eq(t, db.PoolStats().Open, 0) // discarded: its reply is still owed

	ctx, cancel2 := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel2()
	start = time.Now()
	_, err = db.WithContext(ctx).Get("k")
	wantErr(t, err, context.DeadlineExceeded)
	if el := time.Since(start); el > time.Second {
		t.Fatalf("deadline took %v to interrupt", el)
	}

	// An expired context fails without sending anything.
	sent := len(f.commands())
	_, err = db.WithContext(ctx).Get("k")
	wantErr(t, err, context.DeadlineExceeded)
	_, err = db.DoContext(ctx, "GET", "k")
	wantErr(t, err, context.DeadlineExceeded)
	p := db.WithContext(ctx).Pipeline()
	p.Get("k")
	_, err = p.Exec()
	wantErr(t, err, context.DeadlineExceeded)
	eq(t, len(f.commands()), sent)

	// The handle without a context still works, on a new connection.
	ok(t, db.Ping())
	eq(t, db.WithContext(ctx).Context(), ctx)
	eq(t, db.Context(), context.Background())
}

// With every connection busy, a caller waits for one, within its context.
func TestPoolWaitHonoursContext(t *testing.T) {
	f := newFakeServer(t, "+first\r\n", "+second\r\n")
	f.delays = map[int]time.Duration{0: 500 * time.Millisecond}
	db, err := diskdb.ConnectOptions(f.addr(), diskdb.Options{PoolSize: 1})
	ok(t, err)
	defer db.Close()

	busy := make(chan string, 1)
	go func() {
		v, _ := db.Echo("a") // holds the only connection for 500ms
		busy <- v
	}()
	time.Sleep(100 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = db.WithContext(ctx).Echo("b")
	wantErr(t, err, context.DeadlineExceeded)
	eq(t, len(f.commands()), 1) // it never got a connection to send on

	// Without a deadline it simply waits its turn, on the same connection.
	v, err := db.Echo("c")
	ok(t, err)
	eq(t, v, "second")
	eq(t, <-busy, "first")
	eq(t, db.PoolStats(), diskdb.PoolStats{Open: 1, Idle: 1})
}

func TestClose(t *testing.T) {
	db, err := diskdb.Connect(srv.addr)
	ok(t, err)
	ok(t, db.Close())
	_, err = db.Get("k")
	wantErr(t, err, diskdb.ErrClosed)
	wantErr(t, db.Close(), diskdb.ErrClosed)
	eq(t, db.PoolStats(), diskdb.PoolStats{})
}

func TestConnectErrors(t *testing.T) {
	// Nothing listens on this port (it was free a moment ago).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ok(t, err)
	addr := l.Addr().String()
	l.Close()
	if _, err := diskdb.ConnectOptions(addr, diskdb.Options{DialTimeout: time.Second}); err == nil {
		t.Fatal("Connect to a closed port succeeded")
	}
}
