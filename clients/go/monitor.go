package diskdb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MonitorRecord is one command the server ran, as MONITOR reports it.
type MonitorRecord struct {
	// Time is when the server ran the command, to the microsecond.
	Time time.Time
	// DB is the database index the command ran in.
	DB int
	// Addr is the client's address as the server sees it ("127.0.0.1:33782",
	// "[::1]:33782"), "unix:<path>" for a Unix socket, "lua" for a command run
	// by a script.
	Addr string
	// Args is the command and its arguments, unquoted: the exact bytes the
	// client sent, binary ones included.
	Args []string
}

// Monitor streams every command the server runs, from any client, as
// MONITOR does. It owns one connection, in MONITOR mode for good: Close
// closes that connection rather than returning it to the pool.
//
//	m, err := db.Monitor()
//	if err != nil { ... }
//	defer m.Close()
//	for {
//		rec, err := m.Receive()
//		if err != nil { ... } // ErrClosed after Close
//		fmt.Println(rec.Time, rec.Addr, rec.Args)
//	}
//
// Receive is for one goroutine at a time; Close may be called from any
// goroutine, and ends a Receive that is waiting. MONITOR costs the server
// time on every command: close monitors when done.
type Monitor struct {
	pool *pool
	cn   *conn
	ctx  context.Context

	mu       sync.Mutex
	closed   bool  // Close was called
	err      error // the failure that ended the stream, reported from then on
	released bool  // the connection is closed and its pool slot given back
}

// Monitor puts one connection in MONITOR mode and returns it as a Monitor.
// The connection is taken from the pool and counts against PoolSize until
// the Monitor is closed; DB.Close does not end an open Monitor, so close it
// first. Starting it runs under the handle's context, as any command does,
// and so does Receive.
func (db *DB) Monitor() (*Monitor, error) {
	ctx := db.ctx
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cn, err := db.pool.get(ctx)
	if err != nil {
		return nil, err
	}
	c := &cmd{args: []interface{}{"MONITOR"}, dec: decString}
	replies, err := cn.roundTrip(ctx, []*cmd{c}, db.pool.opt)
	if err != nil {
		db.pool.put(cn, true)
		return nil, err
	}
	if _, err := c.result(replies[0]); err != nil {
		// A refusal (unknown command, no permission) leaves the connection
		// as it was; anything else is not a MONITOR connection we know.
		_, refused := err.(*Error)
		db.pool.put(cn, !refused)
		return nil, err
	}
	return &Monitor{pool: db.pool, cn: cn, ctx: ctx}, nil
}

// Receive waits for the next command the server runs and returns it. It
// waits as long as the context of the handle that started the Monitor
// allows (for ever under context.Background()). It returns ErrClosed once
// the Monitor is closed; an I/O error, or the server closing the connection
// (matching io.EOF), ends the Monitor and is returned from then on. A line
// that is not a MONITOR record gives an error for that line only.
func (m *Monitor) Receive() (MonitorRecord, error) { return m.ReceiveContext(m.ctx) }

// ReceiveContext is Receive waiting under ctx instead. When ctx ends before
// a record starts arriving it returns ctx.Err() and the Monitor stays
// usable, so a deadline can bound one wait:
//
//	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
//	rec, err := m.ReceiveContext(ctx) // context.DeadlineExceeded if idle
//	cancel()
func (m *Monitor) ReceiveContext(ctx context.Context) (MonitorRecord, error) {
	if err := m.state(); err != nil {
		return MonitorRecord{}, err
	}
	if err := ctx.Err(); err != nil {
		return MonitorRecord{}, err
	}

	// First wait for the record's first byte, bounded only by ctx. Peek
	// consumes nothing, so when ctx interrupts this wait the stream is
	// intact and the next call carries on.
	if err := m.waitForData(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return MonitorRecord{}, ctxErr
		}
		var ne net.Error
		if dl, ok := ctx.Deadline(); ok && errors.As(err, &ne) && ne.Timeout() && !time.Now().Before(dl) {
			return MonitorRecord{}, context.DeadlineExceeded
		}
		return MonitorRecord{}, m.fail(err)
	}

	// The record has begun: the rest of its line follows at once, so the
	// ordinary read timeout applies. Failing here loses the stream's framing.
	if err := m.cn.nc.SetReadDeadline(deadline(time.Now(), m.pool.opt.ReadTimeout, time.Time{}, false)); err != nil {
		return MonitorRecord{}, m.fail(err)
	}
	reply, err := readReply(m.cn.br)
	if err != nil {
		return MonitorRecord{}, m.fail(err)
	}
	switch v := reply.(type) {
	case string:
		return parseMonitorLine(v)
	case *Error:
		return MonitorRecord{}, v
	}
	return MonitorRecord{}, m.fail(unexpected("MONITOR record", reply))
}

// waitForData blocks until at least one byte is buffered, ctx ends, or the
// connection fails.
func (m *Monitor) waitForData(ctx context.Context) error {
	if m.cn.br.Buffered() > 0 {
		return nil
	}
	dl, _ := ctx.Deadline() // the zero Time (no deadline) without one
	if err := m.cn.nc.SetReadDeadline(dl); err != nil {
		return err
	}
	// The watcher is gone before the deadline is set again.
	defer interruptOnCancel(ctx, m.cn.nc.SetReadDeadline)()
	_, err := m.cn.br.Peek(1)
	return err
}

// state is the error every call gets once the Monitor has ended.
func (m *Monitor) state() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	return m.err
}

// fail ends the stream after an error that broke it, and returns the error
// to report: ErrClosed when the cause was Close closing the connection.
func (m *Monitor) fail(err error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if m.err == nil {
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			err = fmt.Errorf("diskdb: monitor: i/o timeout in the middle of a record: %w", err)
		case isProtocolError(err):
		default:
			err = fmt.Errorf("diskdb: monitor: %w", err)
		}
		m.err = err
	}
	m.release()
	return m.err
}

func isProtocolError(err error) bool {
	_, ok := err.(*protocolError)
	return ok
}

// release closes the connection and frees its pool slot, once. m.mu is held.
func (m *Monitor) release() {
	if !m.released {
		m.released = true
		m.pool.put(m.cn, true) // broken: closed, never pooled
	}
}

// Close ends the Monitor: it closes its connection (a Receive waiting on it
// returns ErrClosed) and frees its place in the pool. Closing twice returns
// ErrClosed.
func (m *Monitor) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.closed = true
	m.release()
	return nil
}

// parseMonitorLine parses one MONITOR line:
//
//	1795800854.653437 [0 127.0.0.1:33782] "SET" "a" "1"
//
// Arguments are quoted as Redis's sdscatrepr writes them: \\ \" \n \r \t
// \a \b, and \xHH for any other byte outside printable ASCII.
func parseMonitorLine(line string) (MonitorRecord, error) {
	bad := func(why string) (MonitorRecord, error) {
		return MonitorRecord{}, &protocolError{fmt.Sprintf("bad MONITOR record (%s): %q", why, line)}
	}
	var rec MonitorRecord

	ts, rest, found := strings.Cut(line, " [")
	if !found {
		return bad("no client")
	}
	secStr, fracStr, _ := strings.Cut(ts, ".")
	sec, err := strconv.ParseInt(secStr, 10, 64)
	if err != nil || len(fracStr) > 9 {
		return bad("timestamp")
	}
	var nsec int64
	if fracStr != "" {
		frac, err := strconv.ParseUint(fracStr, 10, 32)
		if err != nil {
			return bad("timestamp")
		}
		nsec = int64(frac)
		for i := len(fracStr); i < 9; i++ {
			nsec *= 10
		}
	}
	rec.Time = time.Unix(sec, nsec)

	dbStr, rest, found := strings.Cut(rest, " ")
	if !found {
		return bad("client")
	}
	if rec.DB, err = strconv.Atoi(dbStr); err != nil {
		return bad("database")
	}
	// The address may hold ']' itself (an IPv6 "[::1]:port"), so it ends at
	// the first '] "' that opens the arguments, or at the line's end.
	if i := strings.Index(rest, `] "`); i >= 0 {
		rec.Addr, rest = rest[:i], rest[i+1:]
	} else if strings.HasSuffix(rest, "]") {
		rec.Addr, rest = rest[:len(rest)-1], ""
	} else {
		return bad("client")
	}

	for rest != "" {
		if len(rest) < 3 || rest[0] != ' ' || rest[1] != '"' {
			return bad("argument")
		}
		arg, n, ok := unquoteMonitorArg(rest[2:])
		if !ok {
			return bad("argument")
		}
		rec.Args = append(rec.Args, arg)
		rest = rest[2+n:]
	}
	if len(rec.Args) == 0 {
		return bad("no command")
	}
	return rec, nil
}

// unquoteMonitorArg decodes one quoted argument whose opening quote is
// already consumed, and returns it with the length of s it took, closing
// quote included.
func unquoteMonitorArg(s string) (string, int, bool) {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			return string(b), i + 1, true
		case '\\':
			i++
			if i >= len(s) {
				return "", 0, false
			}
			switch s[i] {
			case '\\', '"':
				b = append(b, s[i])
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'a':
				b = append(b, '\a')
			case 'b':
				b = append(b, '\b')
			case 'x':
				if i+2 >= len(s) {
					return "", 0, false
				}
				h, ok1 := unhex(s[i+1])
				l, ok2 := unhex(s[i+2])
				if !ok1 || !ok2 {
					return "", 0, false
				}
				b = append(b, h<<4|l)
				i += 2
			default:
				return "", 0, false
			}
		default:
			b = append(b, c)
		}
	}
	return "", 0, false // no closing quote
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
