package diskdb

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
)

// Eval runs the Lua script with keys as its KEYS and args as its ARGV, and
// returns its reply as Do does. The server converts the script's return
// value as Redis does: a number is an int64 (truncated), a string a string,
// a table an []interface{} (up to its first nil), true int64(1), false or nil
// ErrNil, {ok="text"} the string "text", and an error (a failed redis.call,
// redis.error_reply, {err="..."}) an *Error: returned as the error, or, inside
// a table, as an element. The server caches the script, so EvalSha can run it
// afterwards.
func (c cmdable) Eval(script string, keys []string, args ...interface{}) (interface{}, error) {
	return c.do(decAny, evalArgs("EVAL", script, keys, args)...)
}

// EvalSha is Eval of the cached script with this SHA-1 digest (hex, as
// ScriptLoad returns it). A script the server does not have is an *Error
// matching ErrNoScript.
func (c cmdable) EvalSha(sha string, keys []string, args ...interface{}) (interface{}, error) {
	return c.do(decAny, evalArgs("EVALSHA", sha, keys, args)...)
}

// EvalRO is Eval of a script that only reads (EVAL_RO). A write command in it
// fails: an *Error starting "ERR Write commands are not allowed from
// read-only scripts.".
func (c cmdable) EvalRO(script string, keys []string, args ...interface{}) (interface{}, error) {
	return c.do(decAny, evalArgs("EVAL_RO", script, keys, args)...)
}

// EvalShaRO is EvalSha of a script that only reads (EVALSHA_RO), as EvalRO.
func (c cmdable) EvalShaRO(sha string, keys []string, args ...interface{}) (interface{}, error) {
	return c.do(decAny, evalArgs("EVALSHA_RO", sha, keys, args)...)
}

// evalArgs is name, script, the number of keys, the keys, then args.
func evalArgs(name, script string, keys []string, args []interface{}) []interface{} {
	out := make([]interface{}, 0, 3+len(keys)+len(args))
	out = append(out, name, script, len(keys))
	for _, k := range keys {
		out = append(out, k)
	}
	return append(out, args...)
}

// ScriptLoad caches the script on the server without running it and returns
// its SHA-1 digest in hex, for EvalSha. A script that does not compile is an
// *Error ("ERR Error compiling script ...").
func (c cmdable) ScriptLoad(script string) (string, error) {
	return c.doString("SCRIPT", "LOAD", script)
}

// ScriptExists reports whether the server has each script.
func (c cmdable) ScriptExists(shas ...string) ([]bool, error) {
	v, err := c.do(decBools, keysArgs(shas, "SCRIPT", "EXISTS")...)
	b, _ := v.([]bool)
	return b, err
}

// ScriptFlush drops every cached script.
func (c cmdable) ScriptFlush() error { return c.doOK("SCRIPT", "FLUSH") }

// ScriptKill stops the running script, if it has not written anything yet.
// With no script running it is an *Error: "NOTBUSY No scripts in execution
// right now." (always so on DiskDB, where no other command runs while a
// script does).
func (c cmdable) ScriptKill() error { return c.doOK("SCRIPT", "KILL") }

// decBools reads an array of integers 1 and 0 (SCRIPT EXISTS).
func decBools(reply interface{}) (interface{}, error) {
	v, err := decInts(reply)
	if err != nil {
		return nil, err
	}
	ints := v.([]int64)
	out := make([]bool, len(ints))
	for i, n := range ints {
		out[i] = n != 0
	}
	return out, nil
}

// Script is a Lua script run by its SHA-1 digest, so that its text is sent
// only when the server lacks it:
//
//	var incrBy = diskdb.NewScript(`return redis.call('INCRBY', KEYS[1], ARGV[1])`)
//	n, err := incrBy.Run(db, []string{"counter"}, 5)
//
// A Script is safe for concurrent use.
type Script struct {
	src, hash string
}

// NewScript returns the Script for the Lua source src.
func NewScript(src string) *Script {
	sum := sha1.Sum([]byte(src))
	return &Script{src: src, hash: hex.EncodeToString(sum[:])}
}

// Hash is the script's SHA-1 digest in hex: the name EvalSha runs it by.
func (s *Script) Hash() string { return s.hash }

// Load caches the script on the server (SCRIPT LOAD), for example before
// queuing p.EvalSha(s.Hash(), ...) in a Pipeline, where Run cannot be used.
func (s *Script) Load(db *DB) error {
	_, err := db.ScriptLoad(s.src)
	return err
}

// Run runs the script on db with keys as its KEYS and args as its ARGV, and
// returns its reply as Eval does. It sends EVALSHA; if the server does not
// have the script (ErrNoScript: never loaded, or dropped by SCRIPT FLUSH), it
// sends the text with EVAL, which also caches it for the next Run.
func (s *Script) Run(db *DB, keys []string, args ...interface{}) (interface{}, error) {
	v, err := db.EvalSha(s.hash, keys, args...)
	if errors.Is(err, ErrNoScript) {
		return db.Eval(s.src, keys, args...)
	}
	return v, err
}
