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
