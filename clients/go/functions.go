package diskdb

import (
	"fmt"
	"time"
)

// Library is a function library as FunctionList returns it.
type Library struct {
	Name   string // the name its code declares: #!lua name=<Name>
	Engine string // "LUA"
	// Functions are the functions the library registered, in no set order
	// (Redis lists them from a hash table).
	Functions []Function
	// Code is the library's source, when FunctionListOptions.WithCode was
	// set; "" otherwise.
	Code string
}

// Function is one function of a Library.
type Function struct {
	Name        string
	Description string // "" when the library gave none
	// Flags are those the library registered the function with, such as
	// "no-writes" (the only functions FCallRO runs) or "allow-stale". Their
	// order is the server's: Redis sends them in a fixed order of its own.
	Flags []string
}

// FunctionListOptions are FUNCTION LIST's optional modifiers.
type FunctionListOptions struct {
	// LibraryName, when not "", lists only the libraries whose name matches
	// this glob pattern (LIBRARYNAME).
	LibraryName string
	// WithCode fills in Library.Code (WITHCODE).
	WithCode bool
}

// FunctionStats is what FUNCTION STATS reports.
type FunctionStats struct {
	// Running is the function running now, nil when none is (always nil on
	// DiskDB, where no other command runs while a function does).
	Running *RunningFunction
	// Engines has the number of libraries and functions loaded per engine
	// ("LUA").
	Engines map[string]EngineStats
}

// RunningFunction is the function that is running, as FunctionStats sees it.
type RunningFunction struct {
	Name     string
	Command  []string // the FCALL command that started it, with its arguments
	Duration time.Duration
}

// EngineStats counts what is loaded in one engine.
type EngineStats struct {
	Libraries, Functions int64
}

// FunctionLoad loads a library of functions and returns its name. Its code
// starts with "#!lua name=<library>" and registers functions with
// redis.register_function. Loading a library whose name is already loaded is
// an *Error ("ERR Library '<name>' already exists"): use FunctionLoadReplace
// to replace it. A function name already registered by another library, a
// missing first line or code that does not compile are *Errors too.
func (c cmdable) FunctionLoad(code string) (string, error) {
	return c.doString("FUNCTION", "LOAD", code)
}

// FunctionLoadReplace is FunctionLoad that replaces a loaded library of the
// same name, and all its functions, instead of failing (REPLACE).
func (c cmdable) FunctionLoadReplace(code string) (string, error) {
	return c.doString("FUNCTION", "LOAD", "REPLACE", code)
}

// FunctionDelete drops a library and its functions. A library the server
// does not have is an *Error ("ERR Library not found").
func (c cmdable) FunctionDelete(library string) error {
	return c.doOK("FUNCTION", "DELETE", library)
}

// FunctionFlush drops every library.
func (c cmdable) FunctionFlush() error { return c.doOK("FUNCTION", "FLUSH") }

// FunctionKill stops the running function, if it has not written anything
// yet. With none running it is an *Error: "NOTBUSY No scripts in execution
// right now." (always so on DiskDB, where no other command runs while a
// function does).
func (c cmdable) FunctionKill() error { return c.doOK("FUNCTION", "KILL") }

// FunctionList returns the loaded libraries, in no set order; opt, at most
// one, selects them by name or adds their code (FunctionListOptions).
func (c cmdable) FunctionList(opt ...FunctionListOptions) ([]Library, error) {
	args := []interface{}{"FUNCTION", "LIST"}
	if len(opt) > 0 {
		if opt[0].LibraryName != "" {
			args = append(args, "LIBRARYNAME", opt[0].LibraryName)
		}
		if opt[0].WithCode {
			args = append(args, "WITHCODE")
		}
	}
	v, err := c.do(decLibraries, args...)
	l, _ := v.([]Library)
	return l, err
}

// FunctionStats reports the function running now, if any, and how many
// libraries and functions are loaded.
func (c cmdable) FunctionStats() (FunctionStats, error) {
	v, err := c.do(decFunctionStats, "FUNCTION", "STATS")
	s, _ := v.(FunctionStats)
	return s, err
}

// FunctionDump returns every loaded library serialized in Redis's DUMP format:
// an opaque, binary payload that FunctionRestore loads again, on this server
// or another one.
func (c cmdable) FunctionDump() ([]byte, error) {
	v, err := c.do(decBytes, "FUNCTION", "DUMP")
	b, _ := v.([]byte)
	return b, err
}

// FunctionRestore loads the libraries of a FunctionDump payload. policy is
// "APPEND" (as "" does, the server's default): a library or function name
// already loaded is an *Error ("ERR Library <name> already exists", "ERR
// Function <name> already exists") and nothing is restored; "REPLACE": the
// payload's libraries replace loaded ones of the same name; or "FLUSH": every
// loaded library is dropped first. Any other policy is sent as given, for the
// server to reject. A damaged payload is an *Error ("ERR DUMP payload version
// or checksum are wrong").
func (c cmdable) FunctionRestore(payload []byte, policy string) error {
	if policy == "" {
		return c.doOK("FUNCTION", "RESTORE", payload)
	}
	return c.doOK("FUNCTION", "RESTORE", payload, policy)
}

// FCall runs the loaded function with keys as its keys and args as its args,
// and returns its reply as Eval does. A function the server does not have is
// an *Error ("ERR Function not found").
func (c cmdable) FCall(function string, keys []string, args ...interface{}) (interface{}, error) {
	return c.do(decAny, evalArgs("FCALL", function, keys, args)...)
}

// FCallRO is FCall of a function flagged "no-writes" (FCALL_RO). Any other
// function is refused before it runs: an *Error "ERR Can not execute a
// script with write flag using *_ro command.".
func (c cmdable) FCallRO(function string, keys []string, args ...interface{}) (interface{}, error) {
	return c.do(decAny, evalArgs("FCALL_RO", function, keys, args)...)
}

// fields reads a RESP2 map, [name1, value1, name2, value2, ...], whose names
// are strings.
func fields(what string, reply interface{}) (map[string]interface{}, error) {
	arr, ok := reply.([]interface{})
	if !ok || len(arr)%2 != 0 {
		return nil, unexpected(what, reply)
	}
	m := make(map[string]interface{}, len(arr)/2)
	for i := 0; i < len(arr); i += 2 {
		name, ok := arr[i].(string)
		if !ok {
			return nil, unexpected(what+" field name", arr[i])
		}
		m[name] = arr[i+1]
	}
	return m, nil
}

// decLibraries reads FUNCTION LIST: one map per library, with library_name,
// engine, functions (one map per function: name, description, flags) and,
// with WITHCODE, library_code.
func decLibraries(reply interface{}) (interface{}, error) {
	arr, ok := reply.([]interface{})
	if !ok {
		return nil, unexpected("array", reply)
	}
	out := make([]Library, len(arr))
	for i, item := range arr {
		m, err := fields("library", item)
		if err != nil {
			return nil, err
		}
		lib := &out[i]
		lib.Name, _ = m["library_name"].(string)
		lib.Engine, _ = m["engine"].(string)
		lib.Code, _ = m["library_code"].(string)
		funcs, ok := m["functions"].([]interface{})
		if !ok {
			return nil, unexpected("library functions", m["functions"])
		}
		lib.Functions = make([]Function, len(funcs))
		for j, f := range funcs {
			fm, err := fields("function", f)
			if err != nil {
				return nil, err
			}
			fn := &lib.Functions[j]
			fn.Name, _ = fm["name"].(string)
			fn.Description, _ = fm["description"].(string) // nil: none given
			flags, ok := fm["flags"].([]interface{})
			if !ok {
				return nil, unexpected("function flags", fm["flags"])
			}
			if fn.Flags, err = toStrings(flags); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// decFunctionStats reads FUNCTION STATS: running_script (nil, or a map with
// name, command and duration_ms) and engines (a map of engine name to a map
// with libraries_count and functions_count).
func decFunctionStats(reply interface{}) (interface{}, error) {
	m, err := fields("FUNCTION STATS", reply)
	if err != nil {
		return nil, err
	}
	var stats FunctionStats
	if running := m["running_script"]; running != nil {
		rm, err := fields("running script", running)
		if err != nil {
			return nil, err
		}
		r := &RunningFunction{}
		r.Name, _ = rm["name"].(string)
		if command, ok := rm["command"].([]interface{}); ok {
			if r.Command, err = toStrings(command); err != nil {
				return nil, err
			}
		}
		ms, _ := rm["duration_ms"].(int64)
		r.Duration = time.Duration(ms) * time.Millisecond
		stats.Running = r
	}
	engines, err := fields("engines", m["engines"])
	if err != nil {
		return nil, err
	}
	stats.Engines = make(map[string]EngineStats, len(engines))
	for name, e := range engines {
		em, err := fields("engine stats", e)
		if err != nil {
			return nil, err
		}
		libs, ok1 := em["libraries_count"].(int64)
		funcs, ok2 := em["functions_count"].(int64)
		if !ok1 || !ok2 {
			return nil, &protocolError{fmt.Sprintf("engine %s stats without counts: %v", name, e)}
		}
		stats.Engines[name] = EngineStats{Libraries: libs, Functions: funcs}
	}
	return stats, nil
}
