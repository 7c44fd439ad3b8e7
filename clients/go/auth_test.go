package diskdb_test

import (
	"errors"
	"sync"
	"testing"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

// TestAuth runs its own server with a password (--requirepass).
func TestAuth(t *testing.T) {
	s, err := startServer("--requirepass", "s3cret")
	if err != nil {
		t.Fatalf("cannot start a server with --requirepass: %v", err)
	}
	defer s.stop()

	// A wrong password fails Connect itself.
	_, err = diskdb.ConnectOptions(s.addr, diskdb.Options{Password: "wrong"})
	wantErr(t, err, diskdb.ErrAuth)
	var e *diskdb.Error
	if !errors.As(err, &e) {
		t.Fatalf("the AUTH failure should carry the server's *Error, got %T", err)
	}

	// No password: connecting works, commands get NOAUTH, which is ErrAuth.
	anon, err := diskdb.Connect(s.addr)
	ok(t, err)
	defer anon.Close()
	_, err = anon.Get("k")
	wantErr(t, err, diskdb.ErrAuth)
	// MONITOR too: refused, and the connection stays in the pool.
	_, err = anon.Monitor()
	wantErr(t, err, diskdb.ErrAuth)
	eq(t, anon.PoolStats(), diskdb.PoolStats{Open: 1, Idle: 1})

	db, err := diskdb.ConnectOptions(s.addr, diskdb.Options{Password: "s3cret"})
	ok(t, err)
	defer db.Close()
	ok(t, db.Set("k", "v"))
	v, err := db.Get("k")
	ok(t, err)
	eq(t, v, "v")

	// A Monitor's connection is authenticated like any other.
	m, err := db.Monitor()
	ok(t, err)
	defer m.Close()
	ok(t, db.Set("seen", "by the monitor"))
	rec := nextRecord(t, m, func(r diskdb.MonitorRecord) bool { return r.Args[0] == "SET" })
	eq(t, rec.Args, []string{"SET", "seen", "by the monitor"})
}

// TestSelectDB checks that Options.DB selects the database on every
// connection of the pool.
func TestSelectDB(t *testing.T) {
	db0 := freshDB(t)
	db1, err := diskdb.ConnectOptions(srv.addr, diskdb.Options{DB: 1, PoolSize: 2})
	ok(t, err)
	defer db1.Close()
	ok(t, db1.FlushDB())
	defer db1.FlushDB()

	// Concurrent reads make the pool open its second connection; every
	// read, on either connection, must see database 1.
	ok(t, db1.Set("only-in-1", "x"))
	for round := 0; db1.PoolStats().Open < 2; round++ {
		if round == 50 {
			t.Fatal("the pool never opened a second connection")
		}
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					if v, err := db1.Get("only-in-1"); err != nil || v != "x" {
						t.Errorf("GET on DB 1 = %q, %v", v, err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	n, err := db0.Exists("only-in-1")
	ok(t, err)
	eq(t, n, int64(0))

	_, err = diskdb.ConnectOptions(srv.addr, diskdb.Options{DB: 100000})
	skipIfUnsupported(t, err)
	if err == nil {
		t.Fatal("SELECT of an out-of-range database succeeded")
	}
}
