package diskdb_test

// These examples are compiled by go test but not run: they expect a server on
// localhost:6380. The README's quick start is the first one.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

func Example() {
	db, err := diskdb.Connect("localhost:6380")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	if err := db.Set("greeting", "hello", diskdb.SetOptions{TTL: time.Minute}); err != nil {
		log.Fatal(err)
	}
	val, err := db.Get("greeting")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("greeting =", val)

	if _, err := db.Get("no-such-key"); errors.Is(err, diskdb.ErrNil) {
		fmt.Println("no-such-key is missing")
	}

	n, err := db.Incr("visits")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("visits =", n)
}

func ExampleDB_Pipeline() {
	db, err := diskdb.Connect("localhost:6380")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	p := db.Pipeline()
	for i := 0; i < 3; i++ {
		p.Set(fmt.Sprintf("key:%d", i), i)
	}
	p.Get("key:2")
	results, err := p.Exec() // one write, one round trip
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(results) // [OK OK OK 2]
}

func ExampleDB_WithContext() {
	db, err := diskdb.Connect("localhost:6380")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// Waits for a job for up to 10s, but gives up with ctx after 2s.
	_, job, err := db.WithContext(ctx).BLPop(10*time.Second, "jobs")
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Println("gave up waiting")
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println("got", job)
	}
}

func ExampleDB_ScanIterator() {
	db, err := diskdb.Connect("localhost:6380")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	it := db.ScanIterator("user:*", 100)
	for it.Next() {
		fmt.Println(it.Key())
	}
	if err := it.Err(); err != nil {
		log.Fatal(err)
	}
}

func ExampleDB_Monitor() {
	db, err := diskdb.Connect("localhost:6380")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	m, err := db.Monitor()
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	for i := 0; i < 10; i++ {
		rec, err := m.Receive() // the next command any client runs
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s db%d %s %q\n", rec.Time.Format(time.RFC3339Nano), rec.DB, rec.Addr, rec.Args)
	}
}

func ExampleDB_Restore() {
	src, err := diskdb.Connect("old-host:6380")
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	dst, err := diskdb.Connect("new-host:6380")
	if err != nil {
		log.Fatal(err)
	}
	defer dst.Close()

	// Copy one key with its expiry, overwriting it on the destination.
	payload, err := src.Dump("user:1")
	if err != nil {
		log.Fatal(err) // ErrNil: no such key
	}
	ttl, err := src.PTTL("user:1") // diskdb.TTLNoExpiry restores without expiry
	if err != nil {
		log.Fatal(err)
	}
	if err := dst.Restore("user:1", ttl, payload, diskdb.RestoreOptions{Replace: true}); err != nil {
		log.Fatal(err)
	}
}

func ExampleScript() {
	db, err := diskdb.Connect("localhost:6380")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// Run sends EVALSHA, and the script's text only when the server lacks it.
	incrBy := diskdb.NewScript(`return redis.call('INCRBY', KEYS[1], ARGV[1])`)
	n, err := incrBy.Run(db, []string{"counter"}, 5)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n) // 5 on a fresh key: an int64, as Do returns it
}

func ExampleDB_FunctionLoad() {
	db, err := diskdb.Connect("localhost:6380")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// A library names itself on its first line and registers its functions.
	const lib = `#!lua name=counters
redis.register_function('bump', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)`
	if _, err := db.FunctionLoadReplace(lib); err != nil { // FunctionLoad fails if it is loaded
		log.Fatal(err)
	}
	n, err := db.FCall("bump", []string{"hits"}, 5)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n) // 5 on a fresh key: an int64, as Eval returns it
}
