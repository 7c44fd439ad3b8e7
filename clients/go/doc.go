// Package diskdb is the Go client for DiskDB, a Redis-compatible database that
// keeps its data on disk in RocksDB. It speaks RESP2 over TCP (or TLS) and
// uses only the standard library; it also works against Redis itself.
//
// # Connecting
//
//	db, err := diskdb.Connect("localhost:6380")
//	...
//	defer db.Close()
//
// A *DB is a pool of connections, safe for concurrent use: create one per
// server and share it. ConnectOptions sets a password, database index,
// timeouts, TLS and the pool size.
//
// # Commands and results
//
// Every command family has typed methods: db.Set, db.Get, db.HGetAll,
// db.ZRangeWithScores, db.XRead, and so on; Do sends anything else. Results
// are Go values (string, int64, bool, float64, []string, map[string]string,
// time.Duration, or the small structs Z, XMessage, XStream, XPending,
// Library, FunctionStats).
//
// # Errors
//
// Errors are values to compare with errors.Is and errors.As:
//
//   - ErrNil: the server answered nil (a missing key for Get, an empty list
//     for LPop, a blocking command that timed out). It is not a failure.
//   - ErrWrongType: a WRONGTYPE reply (the key holds another type).
//   - ErrAuth: a rejected password, or a command sent without one (NOAUTH).
//   - ErrNoScript: a NOSCRIPT reply (EvalSha of a script the server lacks).
//   - *Error: any server error reply, with the server's exact text. The
//     connection is fine and goes back to the pool.
//   - I/O errors, timeouts, and context errors that interrupt a command: the
//     connection it happened on is closed, never reused.
//   - an argument the client cannot encode (nil, a struct): refused before
//     anything is sent.
//
// # Contexts
//
// A DB handle carries a context; Connect's uses context.Background(). To
// bound or cancel commands, derive a handle:
//
//	val, err := db.WithContext(ctx).Get("key")
//
// Cancelling ctx or passing its deadline interrupts a command blocked on the
// network (by moving the socket's deadline), and the command returns
// ctx.Err(). WithContext only copies a pointer and a context, so one per
// request is cheap. DoContext is the same for a single raw command, and
// Pipeline.ExecContext for a pipeline. One handle type with a context, rather
// than a Ctx twin of every method, keeps the API half the size.
//
// # Pipelines
//
// db.Pipeline() returns a Pipeline with the same command methods, which queue
// commands instead of sending them; Exec sends them all in one write and
// reads every reply in order. See Pipeline.
//
// # Lua scripts
//
// Eval, EvalSha, EvalRO and EvalShaRO run Lua scripts and return their reply
// as Do does; ScriptLoad, ScriptExists, ScriptFlush and ScriptKill manage the
// server's script cache. A Script (NewScript) runs by its SHA-1 digest and
// sends its text only when the server answers NOSCRIPT (ErrNoScript).
//
// # Functions
//
// FunctionLoad (or FunctionLoadReplace) loads a Redis 7 function library,
// FCall and FCallRO run its functions (replies as Eval's), and FunctionList,
// FunctionStats, FunctionDelete, FunctionFlush and FunctionKill manage them.
// FunctionDump serializes every library into one binary payload and
// FunctionRestore loads it again (policy "APPEND", "REPLACE" or "FLUSH").
//
// # Client-side caching and CLIENT PAUSE
//
// ClientTracking (with TrackingOptions), ClientCaching, ClientGetRedir and
// ClientTrackingInfo drive CLIENT TRACKING, which is a property of one
// connection: use them on a DB with Options.PoolSize 1, or in one Pipeline.
// Over RESP2 the invalidations go to the connection TrackingOptions.Redirect
// names, as messages on the "__redis__:invalidate" channel. ClientPause and
// ClientUnpause hold and release every client's commands, or only writes.
//
// # Dump, Restore and Monitor
//
// Dump returns a key's value as Redis's binary DUMP payload and Restore
// recreates a key from one (with RestoreOptions for REPLACE, ABSTTL, IDLETIME
// and FREQ), on the same server or another. db.Monitor() puts one connection
// in MONITOR mode and returns a Monitor whose Receive yields every command the
// server runs, parsed into a MonitorRecord; Close closes that connection.
package diskdb
