package diskdb

import "context"

// Pipeline queues commands and sends them together: Exec writes all of them
// in one write on one connection, then reads every reply in order, so n
// commands cost one network round trip instead of n.
//
// A Pipeline has the same command methods as DB. On a Pipeline they only
// queue the command: their return values are zero and meaningless. The
// results come from Exec, one per queued command, in order.
//
//	p := db.Pipeline()
//	p.Set("a", "1")
//	p.Incr("a")
//	p.Get("missing")
//	results, err := p.Exec() // []interface{}{"OK", int64(2), diskdb.ErrNil}
//
// A Pipeline is not a transaction (other clients' commands may run between
// its commands) and is not safe for concurrent use; make one per goroutine.
type Pipeline struct {
	cmdable
	db   *DB
	cmds []*cmd
}

// Pipeline starts an empty pipeline that runs under db's context.
func (db *DB) Pipeline() *Pipeline {
	p := &Pipeline{db: db}
	p.cmdable = p.queue
	return p
}

func (p *Pipeline) queue(c *cmd) (interface{}, error) {
	p.cmds = append(p.cmds, c)
	return nil, nil
}

// Len is the number of commands queued.
func (p *Pipeline) Len() int { return len(p.cmds) }

// Discard drops every queued command.
func (p *Pipeline) Discard() { p.cmds = nil }

// Exec sends the queued commands and empties the queue, so the Pipeline can be
// reused. results[i] belongs to the i-th command and is either an error value
// (ErrNil for a nil reply, *Error for a server error reply) or the value its
// method returns on DB: string for Get, int64 for Incr, []string for LRange,
// []Z for ZRangeWithScores, time.Duration for TTL, and so on. Methods that
// return only an error on DB (Set, LTrim, ...) give the server's status
// ("OK"); BLPop and BRPop give []string{key, value}. Scan depends on the
// previous page's cursor and does not belong in a pipeline.
//
// err is the I/O error when the exchange failed (results is then nil, and
// which commands ran is unknown), else the first command error other than
// ErrNil, else nil.
func (p *Pipeline) Exec() ([]interface{}, error) {
	return p.ExecContext(p.db.ctx)
}

// ExecContext is Exec under ctx instead of the DB handle's context.
func (p *Pipeline) ExecContext(ctx context.Context) ([]interface{}, error) {
	cmds := p.cmds
	p.cmds = nil
	if len(cmds) == 0 {
		return []interface{}{}, nil
	}
	replies, err := p.db.process(ctx, cmds)
	if err != nil {
		return nil, err
	}
	results := make([]interface{}, len(cmds))
	var first error
	for i, c := range cmds {
		v, err := c.result(replies[i])
		if err != nil {
			results[i] = err
			if first == nil && err != ErrNil {
				first = err
			}
			continue
		}
		results[i] = v
	}
	return results, first
}
