package diskdb

import (
	"strconv"
	"strings"
	"time"
)

// Ping checks that the server answers.
func (c cmdable) Ping() error { return c.doOK("PING") }

// Echo returns msg, sent to the server and back.
func (c cmdable) Echo(msg string) (string, error) { return c.doString("ECHO", msg) }

// Info returns INFO's "name:value" lines as a map, for one section (such as
// "server", "memory", "keyspace") or, without a section, the default set.
// Section headers and blank lines are dropped.
func (c cmdable) Info(section ...string) (map[string]string, error) {
	args := []interface{}{"INFO"}
	for _, s := range section {
		args = append(args, s)
	}
	v, err := c.do(decInfo, args...)
	m, _ := v.(map[string]string)
	return m, err
}

func decInfo(reply interface{}) (interface{}, error) {
	v, err := decString(reply)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(v.(string), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		if k, val, ok := strings.Cut(line, ":"); ok {
			m[k] = val
		}
	}
	return m, nil
}

// ConfigGet returns the configuration parameters matching the glob pattern.
func (c cmdable) ConfigGet(pattern string) (map[string]string, error) {
	return c.doStringMap("CONFIG", "GET", pattern)
}

// ConfigSet changes a configuration parameter at run time.
func (c cmdable) ConfigSet(param, value string) error { return c.doOK("CONFIG", "SET", param, value) }

// Time is the server's clock, to the microsecond.
func (c cmdable) Time() (time.Time, error) {
	v, err := c.do(decTime, "TIME")
	t, _ := v.(time.Time)
	return t, err
}

// decTime reads TIME's [seconds, microseconds].
func decTime(reply interface{}) (interface{}, error) {
	v, err := decStrings(reply)
	if err != nil {
		return nil, err
	}
	parts := v.([]string)
	if len(parts) != 2 {
		return nil, unexpected("[seconds, microseconds]", reply)
	}
	sec, err1 := strconv.ParseInt(parts[0], 10, 64)
	usec, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, unexpected("[seconds, microseconds]", reply)
	}
	return time.Unix(sec, usec*1000), nil
}

// SlowLogEntry is one command the server logged as slow.
type SlowLogEntry struct {
	ID         int64         // unique, increasing; not reset by SlowLogReset
	Time       time.Time     // when the command started, to the second
	Duration   time.Duration // how long it ran, to the microsecond
	Args       []string      // the command and its arguments (long ones shortened by the server)
	ClientAddr string        // "ip:port" of the client that sent it
	ClientName string        // its CLIENT SETNAME name, "" if none
}

// SlowLogGet returns the n newest slow log entries, newest first (n < 0: all
// of them). The server logs a command that ran longer than its
// slowlog-log-slower-than parameter (microseconds; 0 logs every command).
func (c cmdable) SlowLogGet(n int64) ([]SlowLogEntry, error) {
	v, err := c.do(decSlowLog, "SLOWLOG", "GET", n)
	e, _ := v.([]SlowLogEntry)
	return e, err
}

// SlowLogLen is the number of entries in the slow log.
func (c cmdable) SlowLogLen() (int64, error) { return c.doInt("SLOWLOG", "LEN") }

// SlowLogReset empties the slow log.
func (c cmdable) SlowLogReset() error { return c.doOK("SLOWLOG", "RESET") }

// decSlowLog reads SLOWLOG GET's [[id, time, micros, [args], addr, name], ...].
func decSlowLog(reply interface{}) (interface{}, error) {
	arr, ok := reply.([]interface{})
	if !ok {
		return nil, unexpected("array", reply)
	}
	out := make([]SlowLogEntry, len(arr))
	for i, e := range arr {
		item, ok := e.([]interface{})
		if !ok || len(item) < 6 {
			return nil, unexpected("slow log entry", e)
		}
		id, ok1 := item[0].(int64)
		sec, ok2 := item[1].(int64)
		micros, ok3 := item[2].(int64)
		rawArgs, ok4 := item[3].([]interface{})
		addr, ok5 := item[4].(string)
		name, ok6 := item[5].(string)
		if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
			return nil, unexpected("slow log entry", e)
		}
		args, err := toStrings(rawArgs)
		if err != nil {
			return nil, err
		}
		out[i] = SlowLogEntry{
			ID:         id,
			Time:       time.Unix(sec, 0),
			Duration:   time.Duration(micros) * time.Microsecond,
			Args:       args,
			ClientAddr: addr,
			ClientName: name,
		}
	}
	return out, nil
}
