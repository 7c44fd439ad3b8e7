package diskdb_test

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

// The script cache is global and FLUSHDB keeps it, so tests that count on a
// script being missing call ScriptFlush first.

func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// serverError checks that err is an *Error whose text is msg, or starts with
// it when prefix is set.
func serverError(t *testing.T, what string, err error, msg string, prefix bool) *diskdb.Error {
	t.Helper()
	skipIfUnsupported(t, err)
	var e *diskdb.Error
	if !errors.As(err, &e) || (prefix && !strings.HasPrefix(e.Msg, msg)) || (!prefix && e.Msg != msg) {
		t.Fatalf("%s: got error %v, want %q", what, err, msg)
	}
	return e
}

func TestEvalKeysAndArgs(t *testing.T) {
	db := freshDB(t)
	v, err := db.Eval("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}", []string{"k1", "k2"}, "a1", 7)
	ok(t, err)
	eq(t, v, []interface{}{"k1", "k2", "a1", "7"})
	v, err = db.Eval("return {#KEYS, #ARGV}", nil)
	ok(t, err)
	eq(t, v, []interface{}{int64(0), int64(0)})
	v, err = db.Eval("return redis.call('SET', KEYS[1], ARGV[1])", []string{"k"}, "written")
	ok(t, err)
	eq(t, v, "OK")
	s, err := db.Get("k")
	ok(t, err)
	eq(t, s, "written")
	_, err = db.RPush("l", "a", "b")
	ok(t, err)
	v, err = db.Eval("return redis.call('LRANGE', KEYS[1], 0, -1)", []string{"l"})
	ok(t, err)
	eq(t, v, []interface{}{"a", "b"})
}

func TestEvalReplyConversions(t *testing.T) {
	db := freshDB(t)
	for _, c := range []struct {
		script string
		want   interface{}
	}{
		{"return 42", int64(42)},
		{"return 3.99", int64(3)}, // a Lua number becomes an integer, truncated
		{"return -2.5", int64(-2)},
		{"return tostring(1.5)", "1.5"},
		{"return 'text'", "text"},
		{"return true", int64(1)},
		{"return {}", []interface{}{}},
		{"return {1, 'two', {3, 'four'}, true, false, 'after'}",
			[]interface{}{int64(1), "two", []interface{}{int64(3), "four"}, int64(1), nil, "after"}},
		{"return {1, 2, nil, 4}", []interface{}{int64(1), int64(2)}}, // a table ends at its first nil
		{"return redis.status_reply('FINE')", "FINE"},
		{"return {ok='ALSO FINE'}", "ALSO FINE"},
		{"return redis.call('INCRBY', KEYS[1], 5)", int64(5)},
		{"return {ARGV[1]}", []interface{}{"\xff\x00"}}, // binary-safe both ways
	} {
		v, err := db.Eval(c.script, []string{"n"}, []byte{0xff, 0})
		ok(t, err)
		if !reflect.DeepEqual(v, c.want) {
			t.Fatalf("EVAL %q = %#v, want %#v", c.script, v, c.want)
		}
	}
	// false and nil become a nil reply: ErrNil, as for Do.
	for _, script := range []string{"return false", "return nil", "return redis.call('GET', KEYS[1])"} {
		v, err := db.Eval(script, []string{"missing"})
		wantErr(t, err, diskdb.ErrNil)
		eq(t, v, nil)
	}
}

func TestEvalErrors(t *testing.T) {
	db := freshDB(t)
	_, err := db.Eval("return redis.error_reply('MYERR something broke')", nil)
	e := serverError(t, "error_reply", err, "MYERR something broke", false)
	eq(t, e.Code(), "MYERR")
	_, err = db.Eval("return {err='OTHER failure'}", nil)
	serverError(t, "{err=...}", err, "OTHER failure", false)

	// Inside a table the error is an element, as in a pipeline's results.
	v, err := db.Eval("return {1, redis.error_reply('MYERR inner'), 3}", nil)
	ok(t, err)
	arr, _ := v.([]interface{})
	if len(arr) != 3 || arr[0] != int64(1) || arr[2] != int64(3) {
		t.Fatalf("EVAL with an inner error = %#v", v)
	}
	serverError(t, "inner error", arr[1].(error), "MYERR inner", false)

	// redis.call fails the script (the server adds where); redis.pcall
	// returns the error.
	ok(t, db.Set("s", "text"))
	_, err = db.Eval("return redis.call('INCR', KEYS[1])", []string{"s"})
	serverError(t, "redis.call", err, "ERR value is not an integer or out of range script: ", true)
	_, err = db.Eval("return redis.pcall('INCR', KEYS[1])", []string{"s"})
	serverError(t, "redis.pcall", err, "ERR value is not an integer or out of range", false)
	_, err = db.Eval("return redis.call('LPUSH', KEYS[1], 'x')", []string{"s"})
	wantErr(t, err, diskdb.ErrWrongType)
	_, err = db.Eval("return x(", nil)
	serverError(t, "syntax error", err, "ERR Error compiling script", true)
	s, _ := db.Get("s")
	eq(t, s, "text")
}

func TestScriptLoadEvalSha(t *testing.T) {
	db := freshDB(t)
	ok(t, db.ScriptFlush())
	const src = "return {KEYS[1], ARGV[1]}"
	sha, err := db.ScriptLoad(src)
	ok(t, err)
	eq(t, sha, sha1hex(src))
	eq(t, sha, diskdb.NewScript(src).Hash())
	exists, err := db.ScriptExists(sha, strings.Repeat("0", 40))
	ok(t, err)
	eq(t, exists, []bool{true, false})
	v, err := db.EvalSha(sha, []string{"k"}, "a")
	ok(t, err)
	eq(t, v, []interface{}{"k", "a"})
	v, err = db.EvalSha(strings.ToUpper(sha), []string{"k"}, "a") // the digest's case does not matter
	ok(t, err)
	eq(t, v, []interface{}{"k", "a"})

	// EVAL caches the script too.
	v, err = db.Eval("return 'cached'", nil)
	ok(t, err)
	eq(t, v, "cached")
	v, err = db.EvalSha(sha1hex("return 'cached'"), nil)
	ok(t, err)
	eq(t, v, "cached")

	_, err = db.ScriptLoad("return x(")
	serverError(t, "SCRIPT LOAD of a syntax error", err, "ERR Error compiling script", true)
}

func TestNoScript(t *testing.T) {
	db := freshDB(t)
	sha, err := db.ScriptLoad("return 1")
	ok(t, err)
	v, err := db.EvalSha(sha, nil) // EVALSHA exists: the errors below are real ones
	ok(t, err)
	eq(t, v, int64(1))
	ok(t, db.ScriptFlush())
	_, err = db.EvalSha(sha, nil)
	wantErr(t, err, diskdb.ErrNoScript)
	e := serverError(t, "EVALSHA", err, "NOSCRIPT No matching script. Please use EVAL.", false)
	eq(t, e.Code(), "NOSCRIPT")
	_, err = db.EvalShaRO(sha, nil)
	wantErr(t, err, diskdb.ErrNoScript)
	if errors.Is(err, diskdb.ErrWrongType) {
		t.Fatal("a NOSCRIPT error matches ErrWrongType")
	}
}

func TestScriptExistsFlush(t *testing.T) {
	db := freshDB(t)
	var shas []string
	for _, src := range []string{"return 0", "return 1", "return 2"} {
		sha, err := db.ScriptLoad(src)
		ok(t, err)
		shas = append(shas, sha)
	}
	exists, err := db.ScriptExists(shas...)
	ok(t, err)
	eq(t, exists, []bool{true, true, true})
	ok(t, db.ScriptFlush())
	exists, err = db.ScriptExists(shas...)
	ok(t, err)
	eq(t, exists, []bool{false, false, false})
}

func TestEvalRO(t *testing.T) {
	db := freshDB(t)
	ok(t, db.Set("k", "v"))
	v, err := db.EvalRO("return redis.call('GET', KEYS[1])", []string{"k"})
	ok(t, err)
	eq(t, v, "v")
	const refused = "ERR Write commands are not allowed from read-only scripts."
	_, err = db.EvalRO("return redis.call('SET', KEYS[1], 'x')", []string{"k"})
	serverError(t, "EVAL_RO", err, refused, true)
	sha, err := db.ScriptLoad("return redis.call('DEL', KEYS[1])")
	ok(t, err)
	_, err = db.EvalShaRO(sha, []string{"k"})
	serverError(t, "EVALSHA_RO", err, refused, true)
	s, _ := db.Get("k")
	eq(t, s, "v")
	v, err = db.EvalSha(sha, []string{"k"}) // the same script may write through EVALSHA
	ok(t, err)
	eq(t, v, int64(1))
}

func TestScriptKill(t *testing.T) {
	db := freshDB(t)
	err := db.ScriptKill()
	e := serverError(t, "SCRIPT KILL", err, "NOTBUSY No scripts in execution right now.", false)
	eq(t, e.Code(), "NOTBUSY")
}

func TestScriptRun(t *testing.T) {
	db := freshDB(t)
	ok(t, db.ScriptFlush())
	incr := diskdb.NewScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
	eq(t, incr.Hash(), sha1hex("return redis.call('INCRBY', KEYS[1], ARGV[1])"))
	exists, err := db.ScriptExists(incr.Hash())
	ok(t, err)
	eq(t, exists, []bool{false})
	v, err := incr.Run(db, []string{"n"}, 5) // NOSCRIPT, then EVAL
	ok(t, err)
	eq(t, v, int64(5))
	exists, err = db.ScriptExists(incr.Hash())
	ok(t, err)
	eq(t, exists, []bool{true}) // EVAL cached it
	v, err = incr.Run(db, []string{"n"}, 2)
	ok(t, err)
	eq(t, v, int64(7))
	ok(t, db.ScriptFlush())
	v, err = incr.Run(db, []string{"n"}, 1) // sent again after the flush
	ok(t, err)
	eq(t, v, int64(8))

	// A failing script's error is returned as is.
	_, err = diskdb.NewScript("return redis.error_reply('MYERR no')").Run(db, nil)
	serverError(t, "failing script", err, "MYERR no", false)
	_, err = diskdb.NewScript("return false").Run(db, nil)
	wantErr(t, err, diskdb.ErrNil)

	// In a pipeline: Load first, then queue EvalSha.
	ok(t, db.ScriptFlush())
	ok(t, incr.Load(db))
	p := db.Pipeline()
	p.EvalSha(incr.Hash(), []string{"n"}, 2)
	p.Get("n")
	results, err := p.Exec()
	ok(t, err)
	eq(t, results, []interface{}{int64(10), "10"})
}

func TestScriptsInPipeline(t *testing.T) {
	db := freshDB(t)
	ok(t, db.ScriptFlush())
	const src = "return {KEYS[1], ARGV[1]}"
	p := db.Pipeline()
	p.EvalSha(sha1hex(src), []string{"k"}, "v")
	p.ScriptLoad(src)
	p.ScriptExists(sha1hex(src), strings.Repeat("0", 40))
	p.EvalSha(sha1hex(src), []string{"k"}, "v")
	p.Eval("return ARGV[1]", nil, "plain")
	p.EvalRO("return false", nil)
	p.ScriptFlush()
	results, err := p.Exec()
	wantErr(t, err, diskdb.ErrNoScript) // the first command error
	if !errors.Is(results[0].(error), diskdb.ErrNoScript) {
		t.Fatalf("EVALSHA before SCRIPT LOAD: got %v", results[0])
	}
	eq(t, results[1:], []interface{}{sha1hex(src), []bool{true, false}, []interface{}{"k", "v"}, "plain",
		diskdb.ErrNil, "OK"})
	exists, err := db.ScriptExists(sha1hex(src))
	ok(t, err)
	eq(t, exists, []bool{false})
}
