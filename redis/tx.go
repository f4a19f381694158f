package redis

import (
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// Tx is a MULTI/EXEC transaction on a connection of its own, optionally
// guarded by WATCH. Read what the transaction depends on with Do (on the
// same connection, after WATCH), Queue its commands, then Exec. The
// connection is closed by Exec or Discard, one of which must be called.
//
// A Tx is for one caller at a time. Its connection is not re-made if it
// drops (the WATCH would be lost): the futures in flight fail with an
// error matching ErrConnLost, the connection is closed, and every later
// Do or Exec fails at once with such an error, without sending.
type Tx struct {
	c      *Client
	conn   *driver.Conn[struct{}, resp.Value]
	queued [][]byte
	err    error // the first encoding error of Queue
}

// Multi starts a transaction without WATCH. Safe for concurrent use.
func (c *Client) Multi() *Tx {
	// The driver gives up once the connection that was ready drops (its
	// WATCH, and any MULTI under way, went with it), failing what was in
	// flight and everything later with a *driver.ConnError. A first
	// connection that fails is tried again as usual: nothing was lost.
	cfg := c.connConfig(nil)
	cfg.NoReconnect = true
	return &Tx{c: c, conn: driver.New(c.loop, cfg)}
}

// Watch starts a transaction that EXEC runs only if none of keys changed
// since WATCH. The future resolves once WATCH is done. Safe for concurrent
// use.
//
// If WATCH fails, or the future is cancelled before it resolves, the
// transaction's connection is closed.
func (c *Client) Watch(keys ...string) *future.Future[*Tx] {
	tx := c.Multi()
	w := tx.conn.Call(struct{}{}, resp.NewCommand(nil).Str("WATCH").Strs(keys...).Finish(), 0)
	f, p := future.New[*Tx](c.loop)
	p.OnCancel(func(error) { tx.conn.Close() }) // the caller never gets tx
	w.OnSettle(func(_ resp.Value, err error) {
		if err != nil {
			tx.conn.Close()
			p.Reject(err)
			return
		}
		if !p.Resolve(tx) {
			tx.conn.Close()
		}
	})
	return f
}

// Do sends a command on the transaction's connection now, before MULTI:
// use it to read the watched keys. Safe for concurrent use.
func (tx *Tx) Do(args ...any) *future.Future[resp.Value] {
	cmd, err := appendArgs(nil, args)
	if err != nil {
		return future.Rejected[resp.Value](tx.c.loop, err)
	}
	return tx.conn.Call(struct{}{}, cmd, 0)
}

// Queue adds a command to run inside MULTI/EXEC. Its reply is an element
// of Exec's result.
func (tx *Tx) Queue(args ...any) {
	cmd, err := appendArgs(nil, args)
	if err != nil {
		if tx.err == nil {
			tx.err = err
		}
		return
	}
	tx.queued = append(tx.queued, cmd)
}

// Exec sends MULTI, the queued commands and EXEC in one write, and
// resolves to the replies of the queued commands, in order; a command
// that failed inside the transaction has an error Value (see
// resp.Value.Err). It fails with ErrTxAborted if a watched key changed,
// with the server's *Error if the transaction was refused (EXECABORT),
// and with an error matching ErrConnLost, without sending anything, if
// the connection dropped since Multi or Watch. The connection is closed
// afterwards, or as soon as the future is cancelled; a cancelled Exec
// may still run, since the server runs what it had received before the
// close, possibly after commands sent later on other connections. With
// Options.CacheSize, the keys of the queued commands are dropped from
// the client's cache before Exec settles.
func (tx *Tx) Exec() *future.Future[[]resp.Value] {
	if err := tx.err; err != nil {
		tx.conn.Close()
		return future.Rejected[[]resp.Value](tx.c.loop, err)
	}
	// After a drop, the Conn refuses these at once (NoReconnect): EXEC
	// fails with the *driver.ConnError, and nothing is sent.
	call := func(cmd []byte) *future.Future[resp.Value] { return tx.conn.Call(struct{}{}, cmd, 0) }
	// MULTI's and the QUEUED replies are discarded: a command refused
	// at queueing time makes EXEC fail with EXECABORT, which says why.
	call(resp.AppendCommand(nil, "MULTI")).OnSettle(func(resp.Value, error) {})
	for _, cmd := range tx.queued {
		call(cmd).OnSettle(func(resp.Value, error) {})
	}
	// The queued writes drop their keys from the client's cache once
	// EXEC is answered (whatever the answer: after a drop, who knows
	// what ran), before Exec resolves: the server's invalidations come
	// on the shared connection, maybe later, and a Get issued after Exec
	// must not be served a value the transaction replaced. The GET on a
	// key just dropped that is in flight does not put it back (the cache
	// counts invalidations).
	reply := call(resp.AppendCommand(nil, "EXEC"))
	if tx.c.cache != nil {
		reply = reply.Finally(func() {
			for _, cmd := range tx.queued {
				tx.c.wrote(cmd, 0)
			}
		})
	}
	exec := future.Then(reply, func(v resp.Value) ([]resp.Value, error) {
		if v.IsNull() {
			return nil, ErrTxAborted
		}
		a, err := v.Array()
		if err != nil {
			return nil, err
		}
		return append([]resp.Value(nil), a...), nil
	})
	return closeAfter(tx.c.loop, tx.conn, exec)
}

// Discard abandons the transaction and closes its connection.
func (tx *Tx) Discard() { tx.conn.Close() }
