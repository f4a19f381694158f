package beanstalk

import (
	"slices"
	"time"

	"github.com/eddy-go/eddy"
	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// Options configure a Client. The zero value is ready to use.
type Options struct {
	// Tube is the tube that puts go to (the "use" command); "" means
	// "default". It is restored after a reconnect, as is any later Use.
	Tube string
	// Watch is the watch list for reserve; empty means {"default"}.
	// It is restored after a reconnect, with later Watch and Ignore
	// applied.
	Watch []string
	// MaxJobSize is the largest job body Put accepts before sending
	// anything (ErrJobTooBig); 0 means beanstalkd's default, 65535 bytes.
	// Set it to the server's -z value. Replies carrying jobs of up to this
	// size (and at least 1 MiB) are accepted.
	MaxJobSize int
	// MinBackoff, MaxBackoff and DialTimeout tune reconnection; see
	// driver.Config.
	MinBackoff, MaxBackoff, DialTimeout time.Duration
	// MaxQueued bounds the commands waiting to be written; see
	// driver.Config.
	MaxQueued int
	// OnState is told of every connection state change, on the loop.
	OnState func(s driver.State, err error)
}

// Client is a beanstalkd connection on an event loop. Its command methods
// return futures and are safe for concurrent use: the command is encoded
// on the calling goroutine and written on the loop together with every
// other command of the same loop turn (pipelining). Replies arrive in
// order. The futures belong to the loop, so their callbacks run there; use
// Sync for blocking calls from goroutines.
//
// Commands that wait on the server (Reserve, ReserveWithTimeout with a
// non-zero timeout) hold up every command sent after them on the same
// connection until they return: reserve on a connection of its own, as
// Worker does, not on one shared by producers. Cancelling a reserve that
// has been written does not stop the server waiting: the connection stays
// held up until a job comes or the timeout ends, and a job that comes is
// released (with its priority) rather than kept reserved for nobody until
// its TTR runs out. Sync's reserves ask the server to wait no longer than
// their context's deadline, so that one given up at its deadline does not
// hold up the connection for long.
//
// After a reconnect, the used tube and the watch list are restored before
// any other command is written. Commands in flight when the connection
// dropped fail with an error matching ErrConnLost and are not sent again,
// except the read-only ones (peek, stats, list). Commands not yet written
// wait for the next connection, except Release, Bury and Touch: they act
// on a reservation, which goes with the connection that made it, so one
// not written before its connection drops, or issued while there is no
// connection, fails with ErrConnLost instead. On the next connection it
// would act on whoever holds the job there, maybe a reserve that was
// queued before it and got the same job back.
type Client struct {
	loop *eddy.Loop
	conn *driver.Conn[op, bs.Reply]
	enc  bs.Encoder

	// Session state, restored on reconnect. Loop-only.
	used    string
	watched []string
	// gen changes with every connection set up and every one that
	// drops, so that a Worker can tell that a job was reserved on a
	// connection that has since gone: from the drop on, not only once the
	// next one is set up, so that nothing meant for the old reservation
	// (a touch) is queued for the new connection meanwhile. Loop-only.
	gen uint64
	up  bool // the connection is ready
}

// onState follows the connection's state for gen, then tells the user.
func (c *Client) onState(user func(driver.State, error)) func(driver.State, error) {
	return func(s driver.State, err error) {
		if s == driver.StateReady {
			c.up = true
		} else if c.up {
			c.up = false
			c.gen++ // the reservations went with it
		}
		if user != nil {
			user(s, err)
		}
	}
}

// Dial returns a Client for the beanstalkd server at addr ("host:port")
// and starts connecting on loop; commands issued meanwhile wait for the
// connection. An invalid tube name in opts is reported at once. Safe for
// concurrent use.
func Dial(loop *eddy.Loop, addr string, opts Options) (*Client, error) {
	c := &Client{loop: loop, enc: bs.Encoder{MaxJobSize: opts.MaxJobSize}, used: "default", watched: []string{"default"}}
	if opts.Tube != "" {
		if err := bs.ValidateTubeName(opts.Tube); err != nil {
			return nil, err
		}
		c.used = opts.Tube
	}
	if len(opts.Watch) > 0 {
		c.watched = nil
		for _, t := range opts.Watch {
			if err := bs.ValidateTubeName(t); err != nil {
				return nil, err
			}
			if !slices.Contains(c.watched, t) {
				c.watched = append(c.watched, t)
			}
		}
	}
	c.conn = driver.New(loop, driver.Config[op, bs.Reply]{
		Addr: addr,
		Codec: &codec{
			dec:    bs.Decoder{MaxBodySize: max(opts.MaxJobSize, bs.DefaultMaxBodySize)},
			orphan: c.releaseOrphan,
		},
		Setup:       c.setup,
		MinBackoff:  opts.MinBackoff,
		MaxBackoff:  opts.MaxBackoff,
		DialTimeout: opts.DialTimeout,
		MaxQueued:   opts.MaxQueued,
		OnState:     c.onState(opts.OnState),
	})
	return c, nil
}

// setup restores the session on a new connection: use, watch, and
// ignore "default" when it is not watched.
func (c *Client) setup(h *driver.Handshake[op, bs.Reply]) *future.Future[struct{}] {
	c.gen++
	var fs []*future.Future[bs.Reply]
	if c.used != "default" {
		cmd, _ := c.enc.AppendUse(nil, c.used)
		fs = append(fs, h.Send(op{kind: bs.KindUse}, cmd))
	}
	for _, t := range c.watched {
		if t != "default" {
			cmd, _ := c.enc.AppendWatch(nil, t)
			fs = append(fs, h.Send(op{kind: bs.KindWatch}, cmd))
		}
	}
	if !slices.Contains(c.watched, "default") {
		cmd, _ := c.enc.AppendIgnore(nil, "default")
		fs = append(fs, h.Send(op{kind: bs.KindIgnore}, cmd))
	}
	return future.Map(future.All(fs...), func([]bs.Reply) struct{} { return struct{}{} })
}

// Loop returns the client's loop. Safe for concurrent use.
func (c *Client) Loop() *eddy.Loop { return c.loop }

// Sync returns the blocking facade of c. Safe for concurrent use.
func (c *Client) Sync() *Sync { return &Sync{c: c} }

// Close closes the connection at once: commands in flight fail with
// ErrClosed, and so do later ones. Jobs this connection had reserved go
// back to the ready queue. Safe for concurrent use.
func (c *Client) Close() { c.conn.Close() }

// Quit closes the connection gracefully: commands already issued get their
// replies, then "quit" is sent and the connection closed. Later commands
// fail with ErrClosed. Safe for concurrent use.
func (c *Client) Quit() *future.Future[struct{}] {
	return c.conn.Shutdown(c.enc.AppendQuit(nil))
}

// call sends an encoded command, or fails with the encoder's error.
func (c *Client) call(k bs.Kind, cmd []byte, err error, flags driver.Flags) *future.Future[bs.Reply] {
	if err != nil {
		return future.Rejected[bs.Reply](c.loop, err)
	}
	return c.send(k, cmd, flags)
}

// send sends an encoded command.
func (c *Client) send(k bs.Kind, cmd []byte, flags driver.Flags) *future.Future[bs.Reply] {
	return c.conn.Call(op{kind: k}, cmd, flags)
}

// reserve sends a reserve command. A job reserved for it after its caller
// gave up is released (see releaseOrphan).
func (c *Client) reserve(k bs.Kind, cmd []byte) *future.Future[bs.Reply] {
	res := &reservation{}
	f := c.conn.Call(op{kind: k, res: res}, cmd, 0)
	res.f.Store(f)
	return f
}

// releaseOrphan puts a job reserved by a cancelled reserve back into the
// ready queue with its priority, which stats-job tells. Loop-only.
func (c *Client) releaseOrphan(id uint64) {
	gen := c.gen
	c.loop.NextTick(func() {
		c.StatsJob(id).OnSettle(func(st JobStats, err error) {
			// If the connection dropped, the job went back with it; the
			// stats-job may have been sent again on a new connection,
			// where a release would take the job from whoever of this
			// client has reserved it since.
			if err != nil || c.gen != gen {
				return
			}
			c.Release(id, st.Pri, 0).OnSettle(func(struct{}, error) {})
		})
	})
}

// seconds converts d to whole seconds for the wire, rounding up and
// clamping to the protocol's range.
func seconds(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	// Divide, then round up: adding a second first would overflow for
	// durations near the largest one ("forever").
	s := d / time.Second
	if d%time.Second != 0 {
		s++
	}
	if s > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(s)
}

// JobStats is the reply to stats-job (from the codec).
type JobStats = bs.JobStats

// TubeStats is the reply to stats-tube (from the codec).
type TubeStats = bs.TubeStats

// ServerStats is the reply to stats (from the codec).
type ServerStats = bs.ServerStats
