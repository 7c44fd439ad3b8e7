package diskdb

import (
	"context"
	"crypto/tls"
	"net"
	"runtime"
	"time"
)

// DefaultPort is DiskDB's port, chosen so it runs beside Redis on 6379.
const DefaultPort = "6380"

// Options configure a client. The zero value of every field picks the
// default shown.
type Options struct {
	// Password, if set, is sent with AUTH on every new connection. A
	// rejected password makes Connect fail with an error matching ErrAuth.
	Password string
	// Username selects an ACL user (AUTH username password); it is only sent
	// together with Password.
	Username string
	// DB is the database index selected on every new connection (default 0).
	DB int

	// DialTimeout bounds connecting, TLS handshake included (default 5s).
	DialTimeout time.Duration
	// ReadTimeout bounds the wait for the replies of one command or one
	// pipeline (default 3s). Blocking commands (BLPop, XRead with Block)
	// get their own timeout added on top.
	ReadTimeout time.Duration
	// WriteTimeout bounds sending one command or one pipeline (default 3s).
	// For all three timeouts a negative value means no timeout.
	WriteTimeout time.Duration

	// TLSConfig, if non-nil, makes every connection use TLS. When its
	// ServerName is empty it is taken from the address's host.
	TLSConfig *tls.Config

	// PoolSize is the most connections open at once (default 10 per CPU).
	// A caller that finds them all busy waits for one, or for its context.
	PoolSize int
}

func (o Options) withDefaults() *Options {
	if o.DialTimeout == 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = 3 * time.Second
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = 3 * time.Second
	}
	if o.PoolSize <= 0 {
		o.PoolSize = 10 * runtime.GOMAXPROCS(0)
	}
	return &o
}

// DB is a handle to a DiskDB server, backed by a pool of connections. It is
// safe for concurrent use by many goroutines; create one and share it.
//
// Each command method (Set, Get, LPush, ...) sends one command and blocks
// until its reply arrives. Pipeline has the same methods, which queue instead.
type DB struct {
	cmdable
	pool *pool
	ctx  context.Context
}

// Connect connects to addr ("host:port"; a bare host gets port 6380) with
// default options.
func Connect(addr string) (*DB, error) {
	return ConnectOptions(addr, Options{})
}

// ConnectOptions connects to addr with the given options. It opens one
// connection before returning, so a wrong address or password is reported
// here rather than by the first command.
func ConnectOptions(addr string, opt Options) (*DB, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, DefaultPort)
	}
	p := newPool(addr, opt.withDefaults())
	cn, err := p.get(context.Background())
	if err != nil {
		return nil, err
	}
	p.put(cn, false)
	return newDB(p, context.Background()), nil
}

func newDB(p *pool, ctx context.Context) *DB {
	db := &DB{pool: p, ctx: ctx}
	db.cmdable = db.run
	return db
}

// WithContext returns a handle on the same pool whose commands all honour
// ctx: cancelling ctx or passing its deadline interrupts a command waiting on
// the network, which then returns ctx.Err(). This is the one way to give
// context to typed commands; it is cheap, so make one per request:
//
//	val, err := db.WithContext(ctx).Get("key")
func (db *DB) WithContext(ctx context.Context) *DB {
	if ctx == nil {
		panic("diskdb: nil Context")
	}
	return newDB(db.pool, ctx)
}

// Context is the context this handle's commands run under
// (context.Background() unless set with WithContext).
func (db *DB) Context() context.Context { return db.ctx }

// DoContext is Do under ctx for this one command.
func (db *DB) DoContext(ctx context.Context, args ...interface{}) (interface{}, error) {
	return db.WithContext(ctx).Do(args...)
}

// Close closes the pool shared by this handle and every handle derived from
// it with WithContext. Commands in flight finish; later ones get ErrClosed.
func (db *DB) Close() error { return db.pool.close() }

// PoolStats reports how many connections are open and idle.
func (db *DB) PoolStats() PoolStats { return db.pool.stats() }

// run executes one command right away.
func (db *DB) run(c *cmd) (interface{}, error) {
	replies, err := db.process(db.ctx, []*cmd{c})
	if err != nil {
		return nil, err
	}
	return c.result(replies[0])
}

// process sends cmds on one pooled connection in a single write and returns
// their raw replies. A connection that failed mid-exchange is discarded.
func (db *DB) process(ctx context.Context, cmds []*cmd) ([]interface{}, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cn, err := db.pool.get(ctx)
	if err != nil {
		return nil, err
	}
	replies, err := cn.roundTrip(ctx, cmds, db.pool.opt)
	_, argErr := err.(*argError)
	db.pool.put(cn, err != nil && !argErr)
	return replies, err
}
