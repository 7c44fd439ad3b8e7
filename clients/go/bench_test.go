package diskdb_test

// Micro-benchmarks against the test server TestMain starts:
//
//	go test -run '^$' -bench . -benchtime 2s
//
// Each reports ops/s: commands completed per second. Sequential benchmarks
// are round-trip bound (one command in flight); Parallel ones keep one
// command in flight per goroutine; Pipeline ones send 100 commands per write.

import (
	"fmt"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

const pipelineBatch = 100

func benchDB(b *testing.B) *diskdb.DB {
	b.Helper()
	if err := testDB.FlushDB(); err != nil {
		b.Fatal(err)
	}
	if err := testDB.Set("bench:get", "0123456789abcdef0123456789abcdef"); err != nil {
		b.Fatal(err)
	}
	return testDB
}

// reportOps adds ops/s, measured around the loop (b.Elapsed is Go 1.20).
func reportOps(b *testing.B, start time.Time, ops int) {
	b.ReportMetric(float64(ops)/time.Since(start).Seconds(), "ops/s")
}

func BenchmarkSet(b *testing.B) {
	db := benchDB(b)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := db.Set("bench:set", "0123456789abcdef0123456789abcdef"); err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b, start, b.N)
}

func BenchmarkGet(b *testing.B) {
	db := benchDB(b)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := db.Get("bench:get"); err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b, start, b.N)
}

func BenchmarkSetParallel(b *testing.B) {
	db := benchDB(b)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := db.Set("bench:set", "0123456789abcdef0123456789abcdef"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportOps(b, start, b.N)
}

func BenchmarkGetParallel(b *testing.B) {
	db := benchDB(b)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.Get("bench:get"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportOps(b, start, b.N)
}

// In the pipeline benchmarks b.N counts commands, not batches, so ns/op and
// ops/s compare directly with the ones above.
func BenchmarkPipelineSet(b *testing.B) {
	db := benchDB(b)
	keys := make([]string, pipelineBatch)
	for i := range keys {
		keys[i] = fmt.Sprintf("bench:set:%d", i)
	}
	p := db.Pipeline()
	b.ResetTimer()
	start := time.Now()
	for done := 0; done < b.N; {
		n := b.N - done
		if n > pipelineBatch {
			n = pipelineBatch
		}
		for i := 0; i < n; i++ {
			p.Set(keys[i], "0123456789abcdef0123456789abcdef")
		}
		if _, err := p.Exec(); err != nil {
			b.Fatal(err)
		}
		done += n
	}
	reportOps(b, start, b.N)
}

func BenchmarkPipelineGet(b *testing.B) {
	db := benchDB(b)
	p := db.Pipeline()
	b.ResetTimer()
	start := time.Now()
	for done := 0; done < b.N; {
		n := b.N - done
		if n > pipelineBatch {
			n = pipelineBatch
		}
		for i := 0; i < n; i++ {
			p.Get("bench:get")
		}
		if _, err := p.Exec(); err != nil {
			b.Fatal(err)
		}
		done += n
	}
	reportOps(b, start, b.N)
}
