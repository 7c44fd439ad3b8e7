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

// ClientID is the id the server gave the connection the command ran on (on
// a DB, whichever pooled connection was free: see ClientTracking).
func (c cmdable) ClientID() (int64, error) { return c.doInt("CLIENT", "ID") }

// TrackingOptions are CLIENT TRACKING's optional modifiers.
type TrackingOptions struct {
	// Redirect, when not 0, sends the invalidations to the connection with
	// this id (REDIRECT). Over RESP2, which is all this client speaks, the
	// tracking connection cannot receive them itself: the one it redirects
	// to gets them as messages on the "__redis__:invalidate" channel while
	// it is subscribed to that channel.
	Redirect int64
	// BCast reports every change of a key under Prefixes, read or not
	// (BCAST); without Prefixes, of every key.
	BCast bool
	// Prefixes are BCAST's key prefixes (one PREFIX each). They need BCast:
	// without it the command fails before anything is sent.
	Prefixes []string
	// OptIn tracks only the reads that follow ClientCaching(true) (OPTIN);
	// OptOut tracks every read except those that follow
	// ClientCaching(false) (OPTOUT).
	OptIn, OptOut bool
	// NoLoop leaves out the keys the tracking connection changed itself
	// (NOLOOP).
	NoLoop bool
}

// ClientTracking turns client-side caching's tracking on or off (CLIENT
// TRACKING ON|OFF): the server then tells the client, through
// opt.Redirect, when a key it read changes. opt, at most one, adds the
// modifiers.
//
// Tracking belongs to one connection, and a DB is a pool: ClientTracking,
// ClientCaching, ClientGetRedir, ClientTrackingInfo and the reads to track
// must run on the same connection, which a DB with Options.PoolSize 1
// guarantees (as does a Pipeline, for the commands it queues). A
// connection the pool replaces after an I/O error starts untracked.
func (c cmdable) ClientTracking(on bool, opt ...TrackingOptions) error {
	var o TrackingOptions
	if len(opt) > 0 {
		o = opt[0]
	}
	args := []interface{}{"CLIENT", "TRACKING", "OFF"}
	if on {
		args[2] = "ON"
	}
	if o.Redirect != 0 {
		args = append(args, "REDIRECT", o.Redirect)
	}
	for _, p := range o.Prefixes {
		args = append(args, "PREFIX", p)
	}
	for _, f := range []struct {
		set  bool
		name string
	}{{o.BCast, "BCAST"}, {o.OptIn, "OPTIN"}, {o.OptOut, "OPTOUT"}, {o.NoLoop, "NOLOOP"}} {
		if f.set {
			args = append(args, f.name)
		}
	}
	var argErr error
	if len(o.Prefixes) > 0 && !o.BCast {
		argErr = &argError{"ClientTracking: TrackingOptions.Prefixes need BCast"}
	}
	_, err := c(&cmd{args: args, dec: decString, err: argErr})
	return err
}

// ClientCaching says whether the next command's reads are tracked (CLIENT
// CACHING YES|NO): true under TrackingOptions.OptIn, false under OptOut.
// In any other mode the server answers with an *Error.
func (c cmdable) ClientCaching(yes bool) error {
	if yes {
		return c.doOK("CLIENT", "CACHING", "YES")
	}
	return c.doOK("CLIENT", "CACHING", "NO")
}

// ClientGetRedir is the id of the connection this one's invalidations are
// redirected to: 0 when they are not redirected, -1 when tracking is off.
func (c cmdable) ClientGetRedir() (int64, error) { return c.doInt("CLIENT", "GETREDIR") }

// TrackingInfo is what ClientTrackingInfo reports.
type TrackingInfo struct {
	// Flags are "off", or "on" with any of "bcast", "optin", "optout",
	// "caching-yes", "caching-no", "noloop" and "broken_redirect" (the
	// connection redirected to is gone), in the server's order.
	Flags []string
	// Redirect is as ClientGetRedir reports it.
	Redirect int64
	// Prefixes are the BCAST prefixes; BCast without Prefixes reports the
	// empty prefix, "".
	Prefixes []string
}

// ClientTrackingInfo describes this connection's tracking (CLIENT
// TRACKINGINFO).
func (c cmdable) ClientTrackingInfo() (TrackingInfo, error) {
	v, err := c.do(decTrackingInfo, "CLIENT", "TRACKINGINFO")
	info, _ := v.(TrackingInfo)
	return info, err
}

// decTrackingInfo reads ["flags", [...], "redirect", n, "prefixes", [...]].
func decTrackingInfo(reply interface{}) (interface{}, error) {
	arr, ok := reply.([]interface{})
	if !ok || len(arr)%2 != 0 {
		return nil, unexpected("tracking info", reply)
	}
	var info TrackingInfo
	for i := 0; i < len(arr); i += 2 {
		name, _ := arr[i].(string)
		switch name {
		case "flags", "prefixes":
			rawList, isArray := arr[i+1].([]interface{})
			if !isArray {
				return nil, unexpected("tracking info "+name, arr[i+1])
			}
			list, err := toStrings(rawList)
			if err != nil {
				return nil, err
			}
			if name == "flags" {
				info.Flags = list
			} else {
				info.Prefixes = list
			}
		case "redirect":
			n, isInt := arr[i+1].(int64)
			if !isInt {
				return nil, unexpected("tracking info redirect", arr[i+1])
			}
			info.Redirect = n
		}
	}
	return info, nil
}

// ClientPause holds every client's commands, this one's too, for timeout
// (CLIENT PAUSE, sent in milliseconds; a positive timeout under 1ms counts
// as 1ms). mode is "WRITE" to hold only the commands that may write, while
// reads still run, or "ALL" (as "" does, the server's default) for every
// command.
func (c cmdable) ClientPause(timeout time.Duration, mode string) error {
	ms := timeout.Milliseconds()
	if ms == 0 && timeout > 0 {
		ms = 1
	}
	if mode == "" {
		return c.doOK("CLIENT", "PAUSE", ms)
	}
	return c.doOK("CLIENT", "PAUSE", ms, mode)
}

// ClientUnpause ends a CLIENT PAUSE. Under "WRITE" it runs at once; under
// "ALL" it is held until the pause is over, like any other command.
func (c cmdable) ClientUnpause() error { return c.doOK("CLIENT", "UNPAUSE") }
