package diskdb

// RESP2 encoding and decoding, on byte buffers and a bufio.Reader only: no
// sockets, no pool, so it can be tested on byte strings.
//
// Replies decode to plain Go values:
//
//	simple string  -> string
//	error          -> *Error (as a value, so one bad reply in a pipeline does
//	                  not hide the others)
//	integer        -> int64
//	bulk string    -> string (Go strings are binary-safe)
//	null bulk/array-> nil
//	array          -> []interface{}

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// appendCommand appends one command as a RESP array of bulk strings, the only
// form a client sends.
func appendCommand(buf []byte, args []interface{}) ([]byte, error) {
	if len(args) == 0 {
		return buf, &argError{"empty command"}
	}
	buf = append(buf, '*')
	buf = strconv.AppendInt(buf, int64(len(args)), 10)
	buf = append(buf, '\r', '\n')
	for _, a := range args {
		var err error
		if buf, err = appendArg(buf, a); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// appendArg encodes one argument as a bulk string. Numbers are written in the
// decimal text form the server parses; anything without an obvious text form is
// refused rather than guessed at (fmt's %v of a struct is never what the
// server wants).
func appendArg(buf []byte, a interface{}) ([]byte, error) {
	var num [40]byte
	switch v := a.(type) {
	case string:
		return appendBulkString(buf, v), nil
	case []byte:
		return appendBulk(buf, v), nil
	case int:
		return appendBulk(buf, strconv.AppendInt(num[:0], int64(v), 10)), nil
	case int64:
		return appendBulk(buf, strconv.AppendInt(num[:0], v, 10)), nil
	case int32:
		return appendBulk(buf, strconv.AppendInt(num[:0], int64(v), 10)), nil
	case int16:
		return appendBulk(buf, strconv.AppendInt(num[:0], int64(v), 10)), nil
	case int8:
		return appendBulk(buf, strconv.AppendInt(num[:0], int64(v), 10)), nil
	case uint:
		return appendBulk(buf, strconv.AppendUint(num[:0], uint64(v), 10)), nil
	case uint64:
		return appendBulk(buf, strconv.AppendUint(num[:0], v, 10)), nil
	case uint32:
		return appendBulk(buf, strconv.AppendUint(num[:0], uint64(v), 10)), nil
	case uint16:
		return appendBulk(buf, strconv.AppendUint(num[:0], uint64(v), 10)), nil
	case uint8:
		return appendBulk(buf, strconv.AppendUint(num[:0], uint64(v), 10)), nil
	case float64:
		return appendBulkString(buf, formatFloat(v)), nil
	case float32:
		return appendBulkString(buf, formatFloat(float64(v))), nil
	case bool:
		if v {
			return appendBulkString(buf, "1"), nil
		}
		return appendBulkString(buf, "0"), nil
	case time.Duration:
		// A bare Duration has no unit the server could know; commands that take
		// one convert it themselves (see Expire, SetEX, BLPop).
		return buf, &argError{"time.Duration argument needs an explicit unit; convert it to seconds or milliseconds"}
	case fmt.Stringer:
		return appendBulkString(buf, v.String()), nil
	case nil:
		return buf, &argError{"nil argument"}
	default:
		return buf, &argError{fmt.Sprintf("cannot send argument of type %T", a)}
	}
}

func appendBulk(buf, b []byte) []byte {
	buf = append(buf, '$')
	buf = strconv.AppendInt(buf, int64(len(b)), 10)
	buf = append(buf, '\r', '\n')
	buf = append(buf, b...)
	return append(buf, '\r', '\n')
}

func appendBulkString(buf []byte, s string) []byte {
	buf = append(buf, '$')
	buf = strconv.AppendInt(buf, int64(len(s)), 10)
	buf = append(buf, '\r', '\n')
	buf = append(buf, s...)
	return append(buf, '\r', '\n')
}

// formatFloat writes the shortest text that parses back to the same float64,
// in plain decimal where that is readable (so MONITOR shows "1000000", not
// "1e+06"), and "+inf"/"-inf" as Redis spells infinity.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	if abs := math.Abs(f); abs == 0 || (abs >= 1e-6 && abs < 1e21) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// maxBulk and maxArray bound what a reply header may announce before memory is
// allocated for it, so a corrupt or hostile length cannot exhaust memory.
const (
	maxBulk  = 512 << 20
	maxArray = 1 << 26
)

// readReply reads one complete reply. Server error replies come back as an
// *Error value with a nil error; the error result is reserved for I/O failures
// and malformed input, after which the connection must be discarded.
func readReply(br *bufio.Reader) (interface{}, error) {
	line, err := readLine(br)
	if err != nil {
		return nil, err
	}
	if len(line) == 0 {
		return nil, &protocolError{"empty reply line"}
	}
	switch line[0] {
	case '+':
		if string(line[1:]) == "OK" { // the commonest reply: no allocation
			return "OK", nil
		}
		return string(line[1:]), nil
	case '-':
		return &Error{Msg: string(line[1:])}, nil
	case ':':
		n, ok := parseInt(line[1:])
		if !ok {
			return nil, &protocolError{fmt.Sprintf("bad integer %q", line)}
		}
		return n, nil
	case '$':
		n, ok := parseInt(line[1:])
		if !ok || n < -1 || n > maxBulk {
			return nil, &protocolError{fmt.Sprintf("bad bulk length %q", line)}
		}
		if n == -1 {
			return nil, nil
		}
		return readBulk(br, int(n))
	case '*':
		n, ok := parseInt(line[1:])
		if !ok || n < -1 || n > maxArray {
			return nil, &protocolError{fmt.Sprintf("bad array length %q", line)}
		}
		if n == -1 {
			return nil, nil
		}
		arr := make([]interface{}, n)
		for i := range arr {
			if arr[i], err = readReply(br); err != nil {
				return nil, err
			}
		}
		return arr, nil
	default:
		// RESP3 types only appear after HELLO 3, which this client never sends.
		return nil, &protocolError{fmt.Sprintf("unexpected reply type %q", line[0])}
	}
}

// readLine returns one CRLF-terminated line without its terminator. The slice
// points into the reader's buffer and is valid only until the next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// A status or error line longer than the buffer: rare, so copy.
		long := append([]byte(nil), line...)
		rest, err := br.ReadBytes('\n')
		if err != nil {
			return nil, eofIsUnexpected(err)
		}
		line = append(long, rest...)
	} else if err != nil {
		return nil, eofIsUnexpected(err)
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, &protocolError{fmt.Sprintf("line not terminated by CRLF: %q", line)}
	}
	return line[:len(line)-2], nil
}

// readBulk reads n bytes plus CRLF. When the whole bulk is already buffered it
// is copied once, straight into the result string.
func readBulk(br *bufio.Reader, n int) (interface{}, error) {
	if n+2 <= br.Size() {
		b, err := br.Peek(n + 2)
		if err != nil {
			return nil, eofIsUnexpected(err)
		}
		if b[n] != '\r' || b[n+1] != '\n' {
			return nil, &protocolError{"bulk string not terminated by CRLF"}
		}
		s := string(b[:n])
		_, _ = br.Discard(n + 2) // cannot fail: the bytes were peeked
		return s, nil
	}
	b := make([]byte, n+2)
	if _, err := io.ReadFull(br, b); err != nil {
		return nil, eofIsUnexpected(err)
	}
	if b[n] != '\r' || b[n+1] != '\n' {
		return nil, &protocolError{"bulk string not terminated by CRLF"}
	}
	return string(b[:n]), nil
}

// parseInt parses a RESP decimal integer without allocating. It accepts the
// whole int64 range, math.MinInt64 included.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0') // 19 digits cannot overflow a uint64
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return int64(-n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// eofIsUnexpected turns a clean EOF in the middle of a reply into
// io.ErrUnexpectedEOF: the server closed the connection while a reply was owed.
func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
