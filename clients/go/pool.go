package diskdb

import (
	"context"
	"sync"
)

// pool bounds the number of open connections and reuses idle ones.
//
// A token in sem is the right to use one connection. get takes a token first,
// then an idle connection or, when there is none, dials a new one; put returns
// the connection (or closes it when broken) and then the token. Connections
// exist only while in use or idle, and a new one is dialed only when none is
// idle, so at most cap(sem) are ever open.
type pool struct {
	addr string
	opt  *Options
	sem  chan struct{}

	mu     sync.Mutex
	idle   []*conn
	open   int
	closed bool
}

// PoolStats is a snapshot of the connection pool, for monitoring and tests.
type PoolStats struct {
	Open int // connections open now, in use or idle
	Idle int // connections open and waiting in the pool
}

func newPool(addr string, opt *Options) *pool {
	return &pool{addr: addr, opt: opt, sem: make(chan struct{}, opt.PoolSize)}
}

// get waits for a free slot, honouring ctx, and returns a ready connection.
func (p *pool) get(ctx context.Context) (*conn, error) {
	select {
	case p.sem <- struct{}{}:
	default:
		// All connections are busy: wait for one, or for the caller to give up.
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.sem
		return nil, ErrClosed
	}
	if n := len(p.idle); n > 0 {
		// LIFO: the most recently used connection is the least likely to have
		// been closed by an idle timeout on the server.
		cn := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return cn, nil
	}
	p.open++
	p.mu.Unlock()

	cn, err := dial(ctx, p.addr, p.opt)
	if err != nil {
		p.mu.Lock()
		p.open--
		p.mu.Unlock()
		<-p.sem
		return nil, err
	}
	return cn, nil
}

// put gives a connection back. A broken one (I/O error, timeout, cancelled
// mid-command, malformed reply) may still hold part of an unread reply, so it
// is closed instead of being handed to the next caller.
func (p *pool) put(cn *conn, broken bool) {
	p.mu.Lock()
	if broken || p.closed {
		p.open--
		p.mu.Unlock()
		cn.nc.Close()
	} else {
		p.idle = append(p.idle, cn)
		p.mu.Unlock()
	}
	<-p.sem
}

func (p *pool) stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PoolStats{Open: p.open, Idle: len(p.idle)}
}

// close closes idle connections now; connections in use are closed when
// they are put back.
func (p *pool) close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.open -= len(idle)
	p.mu.Unlock()
	var first error
	for _, cn := range idle {
		if err := cn.nc.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
