package diskdb_test

import (
	"context"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

func TestListPushPopRange(t *testing.T) {
	db := freshDB(t)
	n, err := db.RPush("l", "b", "c")
	ok(t, err)
	eq(t, n, int64(2))
	n, err = db.LPush("l", "a", 0) // the last value ends up first
	ok(t, err)
	eq(t, n, int64(4))
	vals, err := db.LRange("l", 0, -1)
	ok(t, err)
	eq(t, vals, []string{"0", "a", "b", "c"})

	n, err = db.LLen("l")
	ok(t, err)
	eq(t, n, int64(4))
	v, err := db.LPop("l")
	ok(t, err)
	eq(t, v, "0")
	v, err = db.RPop("l")
	ok(t, err)
	eq(t, v, "c")

	v, err = db.LIndex("l", -1)
	ok(t, err)
	eq(t, v, "b")
	_, err = db.LIndex("l", 10)
	wantErr(t, err, diskdb.ErrNil)

	_, err = db.LPop("missing")
	wantErr(t, err, diskdb.ErrNil)
	_, err = db.RPop("missing")
	wantErr(t, err, diskdb.ErrNil)
	vals, err = db.LRange("missing", 0, -1)
	ok(t, err)
	eq(t, vals, []string{})
}

func TestListSetTrimRem(t *testing.T) {
	db := freshDB(t)
	_, err := db.RPush("l", "x", "a", "x", "b", "x", "c")
	ok(t, err)
	ok(t, db.LSet("l", 1, "A"))
	err = db.LSet("l", 100, "z")
	skipIfUnsupported(t, err)
	if err == nil || err.Error() != "ERR index out of range" {
		t.Fatalf("LSET out of range: got %v", err)
	}

	n, err := db.LRem("l", -1, "x") // the last "x" only
	ok(t, err)
	eq(t, n, int64(1))
	vals, _ := db.LRange("l", 0, -1)
	eq(t, vals, []string{"x", "A", "x", "b", "c"})
	n, err = db.LRem("l", 0, "x") // every "x"
	ok(t, err)
	eq(t, n, int64(2))

	ok(t, db.LTrim("l", 1, -1))
	vals, _ = db.LRange("l", 0, -1)
	eq(t, vals, []string{"b", "c"})
}

func TestBlockingPop(t *testing.T) {
	db := freshDB(t)
	_, err := db.RPush("l2", "first", "last")
	ok(t, err)

	// Data already there: no wait, and the first non-empty key is used.
	k, v, err := db.BLPop(time.Second, "l1", "l2")
	ok(t, err)
	eq(t, [2]string{k, v}, [2]string{"l2", "first"})
	k, v, err = db.BRPop(time.Second, "l1", "l2")
	ok(t, err)
	eq(t, [2]string{k, v}, [2]string{"l2", "last"})

	// Nothing arrives: ErrNil after the timeout, not before.
	start := time.Now()
	_, _, err = db.BLPop(time.Second, "empty")
	wantErr(t, err, diskdb.ErrNil)
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Fatalf("BLPOP with 1s timeout returned after %v", el)
	}

	// A push from another client wakes the waiter, even when the wait is
	// longer than ReadTimeout (the blocking timeout extends it).
	short, err := diskdb.ConnectOptions(srv.addr, diskdb.Options{ReadTimeout: 200 * time.Millisecond})
	ok(t, err)
	defer short.Close()
	go func() {
		time.Sleep(500 * time.Millisecond)
		_, _ = db.RPush("later", "x")
	}()
	k, v, err = short.BRPop(5*time.Second, "later")
	ok(t, err)
	eq(t, [2]string{k, v}, [2]string{"later", "x"})

	// Timeout 0 waits for ever (here until the push).
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, _ = db.LPush("forever", "y")
	}()
	k, v, err = short.BLPop(0, "forever")
	ok(t, err)
	eq(t, [2]string{k, v}, [2]string{"forever", "y"})
}

// A blocking pop that waits for ever is still interrupted by its context,
// and its connection is not reused (the server may yet answer on it).
func TestBlockingPopContext(t *testing.T) {
	freshDB(t)
	db, err := diskdb.ConnectOptions(srv.addr, diskdb.Options{PoolSize: 1})
	ok(t, err)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, _, err = db.WithContext(ctx).BLPop(0, "never")
	wantErr(t, err, context.DeadlineExceeded)
	eq(t, db.PoolStats().Open, 0)

	// Were the connection still blocked on the server, this push would be
	// consumed by it instead of staying in the list.
	time.Sleep(50 * time.Millisecond)
	_, err = db.RPush("never", "x")
	ok(t, err)
	n, err := db.LLen("never")
	ok(t, err)
	eq(t, n, int64(1))
}
