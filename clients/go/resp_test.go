package diskdb

// Protocol tests on byte strings, with no server.

import (
	"bufio"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

type stringer struct{}

func (stringer) String() string { return "str" }

func TestAppendCommand(t *testing.T) {
	got, err := appendCommand(nil, []interface{}{"SET", []byte("k\r\n"), 42, int64(-7), uint8(255),
		1.5, float32(0.25), math.Inf(1), true, false, stringer{}, ""})
	if err != nil {
		t.Fatal(err)
	}
	want := "*12\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$2\r\n42\r\n$2\r\n-7\r\n$3\r\n255\r\n" +
		"$3\r\n1.5\r\n$4\r\n0.25\r\n$4\r\n+inf\r\n$1\r\n1\r\n$1\r\n0\r\n$3\r\nstr\r\n$0\r\n\r\n"
	if string(got) != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}

	for _, bad := range [][]interface{}{{}, {"SET", nil}, {"SET", struct{}{}}, {"EXPIRE", "k", time.Second}} {
		var ae *argError
		if _, err := appendCommand(nil, bad); !errors.As(err, &ae) {
			t.Errorf("appendCommand(%v) error = %v, want an argError", bad, err)
		}
	}
}

func TestFormatFloat(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0", 1: "1", -2.5: "-2.5", 1e6: "1000000", 0.1: "0.1", 1e-7: "1e-07",
		1e21: "1e+21", math.Inf(-1): "-inf", math.MaxFloat64: "1.7976931348623157e+308",
	} {
		if got := formatFloat(f); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestReadReply(t *testing.T) {
	big := strings.Repeat("x", 3*readBufferSize)
	for _, c := range []struct {
		in   string
		want interface{}
	}{
		{"+OK\r\n", "OK"},
		{"+\r\n", ""},
		{"-ERR bad thing\r\n", &Error{Msg: "ERR bad thing"}},
		{":0\r\n", int64(0)},
		{":-42\r\n", int64(-42)},
		{":9223372036854775807\r\n", int64(math.MaxInt64)},
		{":-9223372036854775808\r\n", int64(math.MinInt64)},
		{"$5\r\nhe\r\no\r\n", "he\r\no"},
		{"$0\r\n\r\n", ""},
		{"$-1\r\n", nil},
		{"*-1\r\n", nil},
		{"*0\r\n", []interface{}{}},
		{"*3\r\n:1\r\n$-1\r\n*2\r\n+a\r\n-WRONGTYPE x\r\n", []interface{}{int64(1), nil,
			[]interface{}{"a", &Error{Msg: "WRONGTYPE x"}}}},
		{"$" + itoa(len(big)) + "\r\n" + big + "\r\n", big},
		{"+" + big + "\r\n", big}, // a status line longer than the buffer
	} {
		got, err := readReply(newReader(c.in))
		if err != nil {
			t.Errorf("readReply(%.40q) error: %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("readReply(%.40q) = %#v, want %#v", c.in, got, c.want)
		}
	}
}

func TestReadReplyMalformed(t *testing.T) {
	for _, in := range []string{
		"\r\n", "?x\r\n", "+OK\n", ":12a\r\n", ":\r\n", ":-\r\n", ":99999999999999999999\r\n",
		":9223372036854775808\r\n", "$-2\r\n", "$3\r\nabcd\r\n", "$x\r\n", "*-2\r\n",
		"$99999999999\r\n", "*99999999999\r\n", "%1\r\n", // RESP3 map: never asked for
	} {
		var pe *protocolError
		if _, err := readReply(newReader(in)); !errors.As(err, &pe) {
			t.Errorf("readReply(%q) error = %v, want a protocolError", in, err)
		}
	}
	// A reply cut short by a closed connection, even before its first byte:
	// readReply is only called when a reply is owed.
	for _, in := range []string{"", "+OK", "$5\r\nab", "*2\r\n:1\r\n", "$40000\r\nabc"} {
		if _, err := readReply(newReader(in)); err != io.ErrUnexpectedEOF {
			t.Errorf("readReply(%q) error = %v, want io.ErrUnexpectedEOF", in, err)
		}
	}
}

func TestErrorMatching(t *testing.T) {
	wrong := &Error{Msg: "WRONGTYPE Operation against a key holding the wrong kind of value"}
	if !errors.Is(wrong, ErrWrongType) || errors.Is(wrong, ErrAuth) {
		t.Error("WRONGTYPE matching")
	}
	for _, msg := range []string{"NOAUTH Authentication required.", "WRONGPASS invalid username-password pair"} {
		if !errors.Is(&Error{Msg: msg}, ErrAuth) {
			t.Errorf("%q should match ErrAuth", msg)
		}
	}
	other := &Error{Msg: "ERR unknown command 'x'"}
	if errors.Is(other, ErrWrongType) || errors.Is(other, ErrAuth) || other.Code() != "ERR" {
		t.Error("plain ERR matching")
	}
	if (&Error{Msg: "lower case"}).Code() != "" {
		t.Error("Code of a message without a code")
	}
	ae := &authError{&Error{Msg: "ERR invalid password"}}
	var e *Error
	if !errors.Is(ae, ErrAuth) || !errors.As(ae, &e) || e.Msg != "ERR invalid password" {
		t.Error("authError matching")
	}
}

func newReader(s string) *bufio.Reader {
	return bufio.NewReaderSize(strings.NewReader(s), readBufferSize)
}

func itoa(n int) string {
	b, _ := appendArg(nil, n)
	return strings.Split(string(b), "\r\n")[1]
}
