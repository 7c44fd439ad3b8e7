package diskdb

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
)

// conn is one connection to the server. It is used by one goroutine at a
// time: the pool hands it out and takes it back.
type conn struct {
	nc   net.Conn
	br   *bufio.Reader
	wbuf []byte // reused between round trips to avoid an allocation per command
}

const (
	readBufferSize = 16 << 10
	// maxKeptWriteBuffer caps the write buffer a connection keeps after a large
	// pipeline, so one big batch does not pin memory for the pool's lifetime.
	maxKeptWriteBuffer = 64 << 10
)

// aLongTimeAgo is a deadline in the past: setting it makes blocked reads and
// writes on the socket return at once. It is how a cancelled context
// interrupts a command.
var aLongTimeAgo = time.Unix(1, 0)

// dial opens a connection and brings it to a usable state: TLS handshake, then
// AUTH and SELECT sent together in one write.
func dial(ctx context.Context, addr string, opt *Options) (*conn, error) {
	d := net.Dialer{Timeout: opt.DialTimeout, KeepAlive: 5 * time.Minute}
	if opt.DialTimeout < 0 {
		d.Timeout = 0
	}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("diskdb: %w", err)
	}
	if opt.TLSConfig != nil {
		cfg := opt.TLSConfig
		if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
			// Verify the certificate against the host we dialed, as a
			// browser would, unless the caller chose otherwise.
			host, _, _ := net.SplitHostPort(addr)
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
		tc := tls.Client(nc, cfg)
		hctx := ctx
		if opt.DialTimeout > 0 {
			var cancel context.CancelFunc
			hctx, cancel = context.WithTimeout(ctx, opt.DialTimeout)
			defer cancel()
		}
		if err := tc.HandshakeContext(hctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("diskdb: TLS handshake: %w", err)
		}
		nc = tc
	}
	cn := &conn{nc: nc, br: bufio.NewReaderSize(nc, readBufferSize)}

	var setup []*cmd
	if opt.Password != "" {
		if opt.Username != "" {
			setup = append(setup, &cmd{args: []interface{}{"AUTH", opt.Username, opt.Password}})
		} else {
			setup = append(setup, &cmd{args: []interface{}{"AUTH", opt.Password}})
		}
	}
	if opt.DB != 0 {
		setup = append(setup, &cmd{args: []interface{}{"SELECT", opt.DB}})
	}
	if len(setup) > 0 {
		replies, err := cn.roundTrip(ctx, setup, opt)
		if err != nil {
			cn.nc.Close()
			return nil, err
		}
		for i, r := range replies {
			if e, ok := r.(*Error); ok {
				cn.nc.Close()
				if opt.Password != "" && i == 0 {
					return nil, &authError{e}
				}
				return nil, e
			}
		}
	}
	return cn, nil
}

// roundTrip writes all commands in one write, then reads one reply per
// command, in order. Server error replies are returned as *Error values inside
// replies. A non-nil error means the connection's state is unknown and it must
// be discarded, except for *argError, which is raised before anything is sent.
func (cn *conn) roundTrip(ctx context.Context, cmds []*cmd, opt *Options) ([]interface{}, error) {
	buf := cn.wbuf[:0]
	var block time.Duration
	for _, c := range cmds {
		if c.err != nil {
			return nil, c.err
		}
		var err error
		if buf, err = appendCommand(buf, c.args); err != nil {
			return nil, err
		}
		if c.block < 0 || block < 0 {
			block = -1
		} else if c.block > block {
			block = c.block
		}
	}
	if cap(buf) <= maxKeptWriteBuffer {
		cn.wbuf = buf
	} else {
		cn.wbuf = nil
	}

	// Deadlines are set once per round trip, before any I/O, so that nothing
	// re-arms them after a cancellation has moved them into the past.
	ctxDeadline, hasCtxDeadline := ctx.Deadline()
	now := time.Now()
	readTimeout := opt.ReadTimeout
	switch {
	case block < 0:
		readTimeout = -1 // the command may block for ever; only ctx bounds it
	case block > 0 && readTimeout >= 0:
		readTimeout += block
	}
	if err := cn.nc.SetWriteDeadline(deadline(now, opt.WriteTimeout, ctxDeadline, hasCtxDeadline)); err != nil {
		return nil, err
	}
	if err := cn.nc.SetReadDeadline(deadline(now, readTimeout, ctxDeadline, hasCtxDeadline)); err != nil {
		return nil, err
	}

	// The watcher is gone before returning, so it can never touch the
	// connection after it is back in the pool.
	defer interruptOnCancel(ctx, cn.nc.SetDeadline)()

	replies, err := cn.exchange(buf, len(cmds))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if hasCtxDeadline && !time.Now().Before(ctxDeadline) {
				// The socket deadline was ctx's and fired a moment before
				// ctx's own timer: report it as the context's expiry.
				return nil, context.DeadlineExceeded
			}
			return nil, fmt.Errorf("diskdb: i/o timeout waiting for the server: %w", err)
		}
		if _, ok := err.(*protocolError); ok {
			return nil, err
		}
		return nil, fmt.Errorf("diskdb: %w", err)
	}
	return replies, nil
}

// interruptOnCancel makes cancelling ctx interrupt the I/O under way on a
// connection, by moving its deadline (set with setDeadline) into the past.
// Go 1.19 has no context.AfterFunc: a watcher goroutine does it, and the
// returned stop waits for that goroutine to exit, so nothing moves the
// deadline after stop returns.
func interruptOnCancel(ctx context.Context, setDeadline func(time.Time) error) (stop func()) {
	done := ctx.Done()
	if done == nil {
		return func() {}
	}
	quit := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-done:
			_ = setDeadline(aLongTimeAgo)
		case <-quit:
		}
	}()
	return func() {
		close(quit)
		<-exited
	}
}

func (cn *conn) exchange(buf []byte, n int) ([]interface{}, error) {
	if _, err := cn.nc.Write(buf); err != nil {
		return nil, err
	}
	replies := make([]interface{}, n)
	for i := range replies {
		r, err := readReply(cn.br)
		if err != nil {
			return nil, err
		}
		replies[i] = r
	}
	return replies, nil
}

// deadline is the earlier of now+timeout (a negative timeout means none) and
// the context's deadline; the zero Time means no deadline at all.
func deadline(now time.Time, timeout time.Duration, ctxDeadline time.Time, hasCtxDeadline bool) time.Time {
	var d time.Time
	if timeout >= 0 {
		d = now.Add(timeout)
	}
	if hasCtxDeadline && (d.IsZero() || ctxDeadline.Before(d)) {
		d = ctxDeadline
	}
	return d
}
