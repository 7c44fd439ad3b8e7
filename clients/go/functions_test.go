package diskdb_test

import (
	"errors"
	"sort"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

// Libraries are global and FLUSHDB keeps them, so every test here starts
// (and ends) with FUNCTION FLUSH. The server lists libraries, a library's
// functions and a function's flags in no set order: the tests sort them.

const myLib = `#!lua name=mylib
redis.register_function('incr_it', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)
redis.register_function{function_name='echo_it', callback=function(keys, args) return {keys[1], args[1]} end, flags={'no-writes'}, description='echoes'}
redis.register_function{function_name='sneaky', callback=function(keys, args) return redis.call('SET', keys[1], 'x') end, flags={'no-writes', 'allow-stale'}}`

const otherLib = `#!lua name=other
redis.register_function('plus_one', function(keys, args) return tonumber(args[1]) + 1 end)`

const spinLib = `#!lua name=spin
redis.register_function{function_name='spin', callback=function(keys, args) while true do end end, flags={'no-writes'}}`

// functionsDB returns freshDB with no library loaded, and drops the test's
// libraries when it ends.
func functionsDB(t *testing.T) *diskdb.DB {
	t.Helper()
	db := freshDB(t)
	ok(t, db.FunctionFlush())
	t.Cleanup(func() { _ = db.FunctionFlush() })
	return db
}

// sortedLibraries orders libraries by name, their functions by name and each
// function's flags, so that lists compare whatever order the server chose.
func sortedLibraries(libs []diskdb.Library) []diskdb.Library {
	sort.Slice(libs, func(i, j int) bool { return libs[i].Name < libs[j].Name })
	for _, l := range libs {
		sort.Slice(l.Functions, func(i, j int) bool { return l.Functions[i].Name < l.Functions[j].Name })
		for _, f := range l.Functions {
			sort.Strings(f.Flags)
		}
	}
	return libs
}

var myLibFunctions = []diskdb.Function{
	{Name: "echo_it", Description: "echoes", Flags: []string{"no-writes"}},
	{Name: "incr_it", Flags: []string{}},
	{Name: "sneaky", Flags: []string{"allow-stale", "no-writes"}},
}

func TestFunctionLoadAndFCall(t *testing.T) {
	db := functionsDB(t)
	name, err := db.FunctionLoad(myLib)
	ok(t, err)
	eq(t, name, "mylib")
	v, err := db.FCall("incr_it", []string{"n"}, 5)
	ok(t, err)
	eq(t, v, int64(5))
	v, err = db.FCall("incr_it", []string{"n"}, 2)
	ok(t, err)
	eq(t, v, int64(7))
	s, err := db.Get("n")
	ok(t, err)
	eq(t, s, "7")
	v, err = db.FCall("echo_it", []string{"k"}, []byte{0xff, 0})
	ok(t, err)
	eq(t, v, []interface{}{"k", "\xff\x00"})
	v, err = db.FCallRO("echo_it", []string{"k"}, "v")
	ok(t, err)
	eq(t, v, []interface{}{"k", "v"})

	_, err = db.FCall("nosuch", nil)
	serverError(t, "FCALL of a missing function", err, "ERR Function not found", false)
	_, err = db.FCallRO("nosuch", nil)
	serverError(t, "FCALL_RO of a missing function", err, "ERR Function not found", false)
	// A failing redis.call fails the call, naming the function.
	ok(t, db.Set("s", "text"))
	_, err = db.FCall("incr_it", []string{"s"}, 1)
	serverError(t, "redis.call", err, "ERR value is not an integer or out of range script: incr_it", true)
	_, err = db.RPush("l", "a")
	ok(t, err)
	_, err = db.FCall("incr_it", []string{"l"}, 1)
	wantErr(t, err, diskdb.ErrWrongType)
}

func TestFCallRORefusesWrites(t *testing.T) {
	db := functionsDB(t)
	_, err := db.FunctionLoad(myLib)
	ok(t, err)
	ok(t, db.Set("k", "v"))
	// Not flagged no-writes: refused before it runs.
	_, err = db.FCallRO("incr_it", []string{"n"}, 1)
	serverError(t, "FCALL_RO of a write function", err,
		"ERR Can not execute a script with write flag using *_ro command.", false)
	// A no-writes function cannot write, whichever command calls it.
	_, err = db.FCallRO("sneaky", []string{"k"})
	serverError(t, "FCALL_RO writing", err, "ERR Write commands are not allowed from read-only scripts.", true)
	_, err = db.FCall("sneaky", []string{"k"})
	serverError(t, "FCALL writing", err, "ERR Write commands are not allowed from read-only scripts.", true)
	n, err := db.Exists("n")
	ok(t, err)
	eq(t, n, int64(0))
	s, err := db.Get("k")
	ok(t, err)
	eq(t, s, "v")
}

func TestFunctionLoadErrorsAndReplace(t *testing.T) {
	db := functionsDB(t)
	_, err := db.FunctionLoad(myLib)
	ok(t, err)
	const replacement = "#!lua name=mylib\nredis.register_function('incr_it', function() return 'replaced' end)"
	_, err = db.FunctionLoad(replacement)
	serverError(t, "second load", err, "ERR Library 'mylib' already exists", false)
	v, err := db.FCall("echo_it", []string{"k"}, "v") // the refused load changed nothing
	ok(t, err)
	eq(t, v, []interface{}{"k", "v"})
	name, err := db.FunctionLoadReplace(replacement)
	ok(t, err)
	eq(t, name, "mylib")
	v, err = db.FCall("incr_it", nil)
	ok(t, err)
	eq(t, v, "replaced")
	_, err = db.FCall("echo_it", []string{"k"}, "v") // gone with the old version
	serverError(t, "replaced function", err, "ERR Function not found", false)

	for _, c := range []struct{ code, msg string }{
		// A function name is unique across libraries.
		{"#!lua name=clash\nredis.register_function('incr_it', function() return 1 end)",
			"ERR Function incr_it already exists"},
		{"redis.register_function('x', function() return 1 end)", "ERR Missing library metadata"},
		{"#!lua name=empty\nlocal a = 1", "ERR No functions registered"},
	} {
		_, err = db.FunctionLoad(c.code)
		serverError(t, "FUNCTION LOAD "+c.code, err, c.msg, false)
	}
	_, err = db.FunctionLoad("#!lua name=bad\nreturn x(")
	serverError(t, "syntax error", err, "ERR Error compiling function", true)
	libs, err := db.FunctionList()
	ok(t, err)
	eq(t, sortedLibraries(libs), []diskdb.Library{{Name: "mylib", Engine: "LUA",
		Functions: []diskdb.Function{{Name: "incr_it", Flags: []string{}}}}})
}

func TestFunctionList(t *testing.T) {
	db := functionsDB(t)
	libs, err := db.FunctionList()
	ok(t, err)
	eq(t, libs, []diskdb.Library{})
	_, err = db.FunctionLoad(myLib)
	ok(t, err)
	_, err = db.FunctionLoad(otherLib)
	ok(t, err)
	other := diskdb.Library{Name: "other", Engine: "LUA",
		Functions: []diskdb.Function{{Name: "plus_one", Flags: []string{}}}}

	libs, err = db.FunctionList()
	ok(t, err)
	eq(t, sortedLibraries(libs), []diskdb.Library{{Name: "mylib", Engine: "LUA", Functions: myLibFunctions}, other})

	libs, err = db.FunctionList(diskdb.FunctionListOptions{LibraryName: "my*", WithCode: true})
	ok(t, err)
	eq(t, sortedLibraries(libs), []diskdb.Library{{Name: "mylib", Engine: "LUA", Functions: myLibFunctions, Code: myLib}})
	libs, err = db.FunctionList(diskdb.FunctionListOptions{LibraryName: "oth?r"})
	ok(t, err)
	eq(t, sortedLibraries(libs), []diskdb.Library{other})
	libs, err = db.FunctionList(diskdb.FunctionListOptions{LibraryName: "nothing*"})
	ok(t, err)
	eq(t, libs, []diskdb.Library{})
	libs, err = db.FunctionList(diskdb.FunctionListOptions{WithCode: true})
	ok(t, err)
	libs = sortedLibraries(libs)
	if len(libs) != 2 || libs[0].Code != myLib || libs[1].Code != otherLib {
		t.Fatalf("FUNCTION LIST WITHCODE = %#v", libs)
	}
}

func TestFunctionDeleteAndFlush(t *testing.T) {
	db := functionsDB(t)
	_, err := db.FunctionLoad(myLib)
	ok(t, err)
	_, err = db.FunctionLoad(otherLib)
	ok(t, err)
	ok(t, db.FunctionDelete("other"))
	libs, err := db.FunctionList()
	ok(t, err)
	if len(libs) != 1 || libs[0].Name != "mylib" {
		t.Fatalf("after FUNCTION DELETE other: %#v", libs)
	}
	_, err = db.FCall("plus_one", nil, 1)
	serverError(t, "deleted function", err, "ERR Function not found", false)
	err = db.FunctionDelete("other")
	serverError(t, "FUNCTION DELETE of a missing library", err, "ERR Library not found", false)
	v, err := db.FCall("incr_it", []string{"n"}, 1)
	ok(t, err)
	eq(t, v, int64(1))

	ok(t, db.FunctionFlush())
	libs, err = db.FunctionList()
	ok(t, err)
	eq(t, libs, []diskdb.Library{})
	_, err = db.FCall("incr_it", []string{"n"}, 1)
	serverError(t, "flushed function", err, "ERR Function not found", false)

	// FLUSHDB (and FLUSHALL) keep libraries.
	_, err = db.FunctionLoad(otherLib)
	ok(t, err)
	ok(t, db.FlushDB())
	v, err = db.FCall("plus_one", nil, 41)
	ok(t, err)
	eq(t, v, int64(42))
}

// libraryNames lists the loaded libraries' names, sorted.
func libraryNames(t *testing.T, db *diskdb.DB) []string {
	t.Helper()
	libs, err := db.FunctionList()
	ok(t, err)
	names := []string{}
	for _, l := range libs {
		names = append(names, l.Name)
	}
	sort.Strings(names)
	return names
}

func TestFunctionDumpAndRestore(t *testing.T) {
	db := functionsDB(t)
	_, err := db.FunctionLoad(myLib)
	ok(t, err)
	_, err = db.FunctionLoad(otherLib)
	ok(t, err)
	payload, err := db.FunctionDump()
	ok(t, err)
	ok(t, db.FunctionFlush())
	eq(t, libraryNames(t, db), []string{})
	ok(t, db.FunctionRestore(payload, "")) // APPEND, the server's default
	eq(t, libraryNames(t, db), []string{"mylib", "other"})
	v, err := db.FCall("incr_it", []string{"n"}, 5)
	ok(t, err)
	eq(t, v, int64(5))
	v, err = db.FCallRO("echo_it", []string{"k"}, "v")
	ok(t, err)
	eq(t, v, []interface{}{"k", "v"})
	v, err = db.FCall("plus_one", nil, 41)
	ok(t, err)
	eq(t, v, int64(42))
	// Code, descriptions and flags come back as they were loaded.
	libs, err := db.FunctionList(diskdb.FunctionListOptions{LibraryName: "mylib", WithCode: true})
	ok(t, err)
	eq(t, sortedLibraries(libs), []diskdb.Library{{Name: "mylib", Engine: "LUA", Functions: myLibFunctions, Code: myLib}})

	// Restoring an empty server's dump with FLUSH empties it.
	ok(t, db.FunctionFlush())
	empty, err := db.FunctionDump()
	ok(t, err)
	_, err = db.FunctionLoad(otherLib)
	ok(t, err)
	ok(t, db.FunctionRestore(empty, "FLUSH"))
	eq(t, libraryNames(t, db), []string{})
}

func TestFunctionRestoreAppendRefusesCollisions(t *testing.T) {
	db := functionsDB(t)
	_, err := db.FunctionLoad(myLib)
	ok(t, err)
	payload, err := db.FunctionDump()
	ok(t, err)
	for _, policy := range []string{"", "APPEND", "append"} {
		err = db.FunctionRestore(payload, policy) // mylib is still loaded
		serverError(t, "FUNCTION RESTORE "+policy, err, "ERR Library mylib already exists", false)
	}
	// A function name taken by another library collides too, and nothing is
	// restored.
	ok(t, db.FunctionFlush())
	_, err = db.FunctionLoad(otherLib)
	ok(t, err)
	_, err = db.FunctionLoad("#!lua name=clash\nredis.register_function('incr_it', function() return 'clash' end)")
	ok(t, err)
	err = db.FunctionRestore(payload, "APPEND")
	serverError(t, "FUNCTION RESTORE with a clashing function", err, "ERR Function incr_it already exists", false)
	eq(t, libraryNames(t, db), []string{"clash", "other"})
	v, err := db.FCall("incr_it", nil)
	ok(t, err)
	eq(t, v, "clash")
}

func TestFunctionRestoreReplaceAndFlush(t *testing.T) {
	db := functionsDB(t)
	_, err := db.FunctionLoad(myLib)
	ok(t, err)
	payload, err := db.FunctionDump()
	ok(t, err)
	_, err = db.FunctionLoadReplace("#!lua name=mylib\nredis.register_function('incr_it', function() return 'new' end)")
	ok(t, err)
	_, err = db.FunctionLoad(otherLib)
	ok(t, err)

	// REPLACE: the payload's mylib replaces the loaded one; other libraries
	// stay.
	ok(t, db.FunctionRestore(payload, "REPLACE"))
	eq(t, libraryNames(t, db), []string{"mylib", "other"})
	v, err := db.FCall("incr_it", []string{"n"}, 3)
	ok(t, err)
	eq(t, v, int64(3))
	v, err = db.FCall("echo_it", []string{"k"}, "v")
	ok(t, err)
	eq(t, v, []interface{}{"k", "v"})
	v, err = db.FCall("plus_one", nil, 1)
	ok(t, err)
	eq(t, v, int64(2))

	// FLUSH: every loaded library goes first, so only the payload's remain.
	ok(t, db.FunctionRestore(payload, "flush"))
	eq(t, libraryNames(t, db), []string{"mylib"})
	v, err = db.FCall("incr_it", []string{"n"}, 1)
	ok(t, err)
	eq(t, v, int64(4))
	_, err = db.FCall("plus_one", nil, 1)
	serverError(t, "flushed function", err, "ERR Function not found", false)

	err = db.FunctionRestore(payload, "MERGE")
	serverError(t, "FUNCTION RESTORE MERGE", err,
		"ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.", false)
}

func TestFunctionRestoreRefusesBadPayloads(t *testing.T) {
	db := functionsDB(t)
	_, err := db.FunctionLoad(otherLib)
	ok(t, err)
	payload, err := db.FunctionDump()
	ok(t, err)
	ok(t, db.FunctionRestore(payload, "FLUSH"))
	corrupted := append([]byte(nil), payload...)
	corrupted[len(corrupted)/2] ^= 0xff
	for _, bad := range [][]byte{corrupted, []byte("not a payload")} {
		err = db.FunctionRestore(bad, "FLUSH")
		serverError(t, "FUNCTION RESTORE of a damaged payload", err, "ERR DUMP payload version or checksum are wrong", false)
	}
	// A key's DUMP payload is well formed, but holds no function library.
	ok(t, db.Set("k", "v"))
	keyPayload, err := db.Dump("k")
	ok(t, err)
	err = db.FunctionRestore(keyPayload, "FLUSH")
	serverError(t, "FUNCTION RESTORE of a key's payload", err, "ERR given type is not a function", false)
	// Refused payloads changed nothing, even with FLUSH.
	eq(t, libraryNames(t, db), []string{"other"})
	v, err := db.FCall("plus_one", nil, 1)
	ok(t, err)
	eq(t, v, int64(2))
}

func TestFunctionDumpAndRestoreInPipeline(t *testing.T) {
	db := functionsDB(t)
	_, err := db.FunctionLoad(otherLib)
	ok(t, err)
	payload, err := db.FunctionDump()
	ok(t, err)
	p := db.Pipeline()
	p.FunctionDump()
	p.FunctionFlush()
	p.FunctionRestore(payload, "")
	p.FCall("plus_one", nil, 1)
	results, err := p.Exec()
	ok(t, err)
	eq(t, results, []interface{}{payload, "OK", "OK", int64(2)})
}

func TestFunctionStats(t *testing.T) {
	db := functionsDB(t)
	stats, err := db.FunctionStats()
	ok(t, err)
	eq(t, stats, diskdb.FunctionStats{Engines: map[string]diskdb.EngineStats{"LUA": {}}})
	_, err = db.FunctionLoad(myLib)
	ok(t, err)
	_, err = db.FunctionLoad(otherLib)
	ok(t, err)
	stats, err = db.FunctionStats()
	ok(t, err)
	eq(t, stats, diskdb.FunctionStats{Engines: map[string]diskdb.EngineStats{"LUA": {Libraries: 2, Functions: 4}}})
}

func TestFunctionKill(t *testing.T) {
	db := functionsDB(t)
	_, err := db.FunctionLoad(otherLib)
	ok(t, err)
	err = db.FunctionKill()
	e := serverError(t, "FUNCTION KILL", err, "NOTBUSY No scripts in execution right now.", false)
	eq(t, e.Code(), "NOTBUSY")
}

func TestFunctionsInPipeline(t *testing.T) {
	db := functionsDB(t)
	const lib = "#!lua name=plib\nredis.register_function('add', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)"
	p := db.Pipeline()
	p.FunctionLoad(lib)
	p.FCall("add", []string{"n"}, 2)
	p.FCallRO("add", []string{"n"}, 1)
	p.FunctionList(diskdb.FunctionListOptions{LibraryName: "plib"})
	p.FunctionStats()
	p.FunctionDelete("plib")
	p.FunctionFlush()
	results, err := p.Exec()
	var e *diskdb.Error
	if !errors.As(err, &e) || e.Msg != "ERR Can not execute a script with write flag using *_ro command." {
		t.Fatalf("pipeline error: %v", err) // the first command error
	}
	eq(t, results[2], err)
	eq(t, results[:2], []interface{}{"plib", int64(2)})
	eq(t, results[3:], []interface{}{
		[]diskdb.Library{{Name: "plib", Engine: "LUA", Functions: []diskdb.Function{{Name: "add", Flags: []string{}}}}},
		diskdb.FunctionStats{Engines: map[string]diskdb.EngineStats{"LUA": {Libraries: 1, Functions: 1}}},
		"OK", "OK",
	})
	libs, err := db.FunctionList()
	ok(t, err)
	eq(t, libs, []diskdb.Library{})
}

func TestFunctionStatsAndKillWhileRunning(t *testing.T) {
	db := functionsDB(t)
	_, err := db.FunctionLoad(spinLib)
	ok(t, err)
	cfg, err := db.ConfigGet("busy-reply-threshold")
	ok(t, err)
	old, found := cfg["busy-reply-threshold"]
	if !found {
		t.Fatalf("CONFIG GET busy-reply-threshold = %v", cfg)
	}
	ok(t, db.ConfigSet("busy-reply-threshold", "100"))
	defer func() { ok(t, db.ConfigSet("busy-reply-threshold", old)) }()
	// Should the test fail half-way, a function left spinning on Redis would
	// hold up every later test.
	defer func() { _ = db.FunctionKill() }()

	// The pool gives the spinning call a connection of its own.
	done := make(chan error, 1)
	go func() {
		_, err := db.FCall("spin", []string{"k"}, "arg")
		done <- err
	}()
	wait := func() error {
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("the spinning function was never stopped")
			return nil
		}
	}
	if useRedis() {
		// Redis answers other clients once the function has run past
		// busy-reply-threshold, and FUNCTION KILL stops it (it wrote nothing).
		var stats diskdb.FunctionStats
		for deadline := time.Now().Add(10 * time.Second); stats.Running == nil && time.Now().Before(deadline); {
			stats, err = db.FunctionStats()
			ok(t, err)
		}
		if stats.Running == nil {
			t.Fatal("FUNCTION STATS never saw the function run")
		}
		eq(t, stats.Running.Name, "spin")
		eq(t, stats.Running.Command, []string{"FCALL", "spin", "1", "k", "arg"})
		if stats.Running.Duration < 0 {
			t.Fatalf("running for %v", stats.Running.Duration)
		}
		eq(t, stats.Engines, map[string]diskdb.EngineStats{"LUA": {Libraries: 1, Functions: 1}})
		ok(t, db.FunctionKill())
		serverError(t, "killed function", wait(), "ERR Script killed by user with SCRIPT KILL", true)
	} else {
		// DiskDB runs nothing else meanwhile, so it stops the function itself
		// once past the threshold; FUNCTION STATS never sees one running.
		serverError(t, "stopped function", wait(),
			"ERR Script killed after running longer than busy-reply-threshold", true)
		stats, err := db.FunctionStats()
		ok(t, err)
		if stats.Running != nil {
			t.Fatalf("FUNCTION STATS after the function stopped: running %+v", stats.Running)
		}
	}
	err = db.FunctionKill()
	serverError(t, "FUNCTION KILL after", err, "NOTBUSY No scripts in execution right now.", false)
}
