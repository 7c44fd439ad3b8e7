package diskdb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

func TestPipelineResults(t *testing.T) {
	db := freshDB(t)
	p := db.Pipeline()
	p.Set("a", "1")
	p.Incr("a")
	p.Get("a")
	p.Get("missing")
	p.MGet("a", "missing")
	p.TTL("a")
	p.Exists("a", "missing")
	p.Do("ECHO", "raw")
	eq(t, p.Len(), 8)
	results, err := p.Exec()
	ok(t, err)
	eq(t, results, []interface{}{"OK", int64(2), "2", diskdb.ErrNil, []interface{}{"2", nil},
		diskdb.TTLNoExpiry, int64(1), "raw"})
	eq(t, p.Len(), 0)

	// Emptied by Exec, so it can be reused; an empty Exec sends nothing.
	results, err = p.Exec()
	ok(t, err)
	eq(t, results, []interface{}{})
	p.Get("a")
	results, err = p.Exec()
	ok(t, err)
	eq(t, results, []interface{}{"2"})

	p.Set("x", "1")
	p.Discard()
	results, err = p.Exec()
	ok(t, err)
	eq(t, len(results), 0)
	n, _ := db.Exists("x")
	eq(t, n, int64(0))
}

func TestPipelineCollectionResults(t *testing.T) {
	db := freshDB(t)
	p := db.Pipeline()
	p.RPush("l", "a", "b")
	p.LRange("l", 0, -1)
	p.HSetMap("h", map[string]interface{}{"f": "v"})
	p.HGetAll("h")
	p.ZAdd("z", diskdb.Z{Score: 1, Member: "m"})
	p.ZRangeWithScores("z", 0, -1)
	p.BLPop(time.Second, "l")
	results, err := p.Exec()
	skipIfUnsupported(t, err)
	for _, r := range results {
		if e, isErr := r.(error); isErr {
			skipIfUnsupported(t, e)
		}
	}
	ok(t, err)
	eq(t, results, []interface{}{int64(2), []string{"a", "b"}, int64(1), map[string]string{"f": "v"},
		int64(1), []diskdb.Z{{Score: 1, Member: "m"}}, []string{"l", "a"}})
}

// A failing command is reported in its slot; the others still run.
func TestPipelineCommandError(t *testing.T) {
	db := freshDB(t)
	p := db.Pipeline()
	p.Set("s", "text")
	p.Incr("s")
	p.Set("after", "yes")
	p.Get("after")
	results, err := p.Exec()
	var e *diskdb.Error
	if !errors.As(err, &e) || e.Msg != "ERR value is not an integer or out of range" {
		t.Fatalf("Exec error = %v, want the INCR error", err)
	}
	eq(t, len(results), 4)
	eq(t, results[0], "OK")
	if results[1] != err {
		t.Fatalf("results[1] = %v, want the INCR error", results[1])
	}
	eq(t, results[2:], []interface{}{"OK", "yes"})

	// An argument that cannot be encoded fails the Exec before anything is
	// sent, and the client stays usable.
	p.Set("never", "1")
	p.Do("SET", "k", struct{}{})
	if _, err := p.Exec(); err == nil {
		t.Fatal("Exec with an unencodable argument succeeded")
	}
	n, err := db.Exists("never")
	ok(t, err)
	eq(t, n, int64(0))
}

func TestPipelineLarge(t *testing.T) {
	db := freshDB(t)
	const n = 5000
	p := db.Pipeline()
	for i := 0; i < n; i++ {
		p.Set(fmt.Sprintf("k%d", i), fmt.Sprintf("value-%d", i))
	}
	results, err := p.Exec()
	ok(t, err)
	eq(t, len(results), n)
	for i := 0; i < n; i++ {
		p.Get(fmt.Sprintf("k%d", i))
	}
	results, err = p.Exec()
	ok(t, err)
	for i, r := range results {
		if r != fmt.Sprintf("value-%d", i) {
			t.Fatalf("results[%d] = %v", i, r)
		}
	}
}

// TestPipelineIsOneWrite uses a server that answers nothing until it has
// received every command: a client that waited for each reply before sending
// the next command would hang here until its read timeout.
func TestPipelineIsOneWrite(t *testing.T) {
	f := newFakeServerHolding(t, 3, "+OK\r\n", ":7\r\n", "$-1\r\n")
	db, err := diskdb.ConnectOptions(f.addr(), diskdb.Options{ReadTimeout: 2 * time.Second})
	ok(t, err)
	defer db.Close()
	p := db.Pipeline()
	p.Set("a", 1)
	p.Incr("b")
	p.Get("c")
	results, err := p.Exec()
	ok(t, err)
	eq(t, results, []interface{}{"OK", int64(7), diskdb.ErrNil})
	eq(t, f.commands(), [][]string{{"SET", "a", "1"}, {"INCR", "b"}, {"GET", "c"}})
}

func TestPipelineContext(t *testing.T) {
	db := freshDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := db.WithContext(ctx).Pipeline()
	p.Set("k", "v")
	_, err := p.Exec()
	wantErr(t, err, context.Canceled)

	p.Set("k", "v")
	results, err := p.ExecContext(context.Background())
	ok(t, err)
	eq(t, results, []interface{}{"OK"})
}
