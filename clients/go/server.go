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
