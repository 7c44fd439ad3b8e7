package diskdb

// MONITOR line parsing on strings, with no server. The real servers'
// output is checked in monitor_test.go; these are the forms a loopback test
// server does not produce (IPv6 and Unix-socket clients, scripts) and
// malformed lines.

import (
	"reflect"
	"testing"
	"time"
)

func TestParseMonitorLine(t *testing.T) {
	tests := []struct {
		line string
		want MonitorRecord
	}{
		{`1795800854.653437 [0 127.0.0.1:33782] "SET" "a" "1"`,
			MonitorRecord{time.Unix(1795800854, 653437000), 0, "127.0.0.1:33782", []string{"SET", "a", "1"}}},
		{`1795800854.000001 [15 [::1]:6380] "PING"`,
			MonitorRecord{time.Unix(1795800854, 1000), 15, "[::1]:6380", []string{"PING"}}},
		{`1795800854.5 [2 unix:/tmp/diskdb.sock] "GET" ""`,
			MonitorRecord{time.Unix(1795800854, 500000000), 2, "unix:/tmp/diskdb.sock", []string{"GET", ""}}},
		{`1795800854.100000 [0 lua] "set" "k" "v"`,
			MonitorRecord{time.Unix(1795800854, 100000000), 0, "lua", []string{"set", "k", "v"}}},
		// Every escape sdscatrepr writes, hex in either case, and bytes that
		// need no escape (space, ']', quotes inside other text).
		{`1795800854.653437 [0 127.0.0.1:1] "SET" "a\"b\\c" "\n\r\t\a\b" "\x00\x7f\xff\xC3\xA9" "x ] \"y\""`,
			MonitorRecord{time.Unix(1795800854, 653437000), 0, "127.0.0.1:1",
				[]string{"SET", `a"b\c`, "\n\r\t\a\b", "\x00\x7f\xffé", `x ] "y"`}}},
	}
	for _, tt := range tests {
		got, err := parseMonitorLine(tt.line)
		if err != nil {
			t.Fatalf("parse %q: %v", tt.line, err)
		}
		if !got.Time.Equal(tt.want.Time) {
			t.Fatalf("parse %q: time %v, want %v", tt.line, got.Time, tt.want.Time)
		}
		got.Time = tt.want.Time
		if !reflect.DeepEqual(got, tt.want) {
			t.Fatalf("parse %q:\ngot  %#v\nwant %#v", tt.line, got, tt.want)
		}
	}

	for _, line := range []string{
		``,
		`OK`,
		`1795800854.653437`,
		`1795800854.653437 [0 127.0.0.1:1]`, // no command
		`x.653437 [0 127.0.0.1:1] "PING"`,   // timestamp
		`1795800854.1234567890 [0 127.0.0.1:1] "PING"`,  // more than nanoseconds
		`1795800854.653437 [a 127.0.0.1:1] "PING"`,      // database
		`1795800854.653437 [0 127.0.0.1:1 "PING"`,       // unclosed client
		`1795800854.653437 [0 127.0.0.1:1] "PING`,       // unclosed quote
		`1795800854.653437 [0 127.0.0.1:1] "PING" x`,    // unquoted argument
		`1795800854.653437 [0 127.0.0.1:1] "PING""x"`,   // no separating space
		`1795800854.653437 [0 127.0.0.1:1] "a\q"`,       // unknown escape
		`1795800854.653437 [0 127.0.0.1:1] "a\x4"`,      // short hex escape
		`1795800854.653437 [0 127.0.0.1:1] "a\xzz"`,     // bad hex escape
		`1795800854.653437 [0 127.0.0.1:1] "a\"`,        // escaped closing quote
		`1795800854.653437 [0 127.0.0.1:1] "PING" `,     // trailing space
		`1795800854.653437 [0 127.0.0.1:1] "PING" "a\"`, // unclosed after escape
	} {
		if rec, err := parseMonitorLine(line); err == nil {
			t.Fatalf("parse %q succeeded: %#v", line, rec)
		} else if _, ok := err.(*protocolError); !ok {
			t.Fatalf("parse %q: error %T %v, want a protocol error", line, err, err)
		}
	}
}
