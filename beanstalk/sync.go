package beanstalk

import (
	"context"
	"errors"
	"time"

	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/future"
)

// Sync is the blocking facade of a Client, for goroutine code. Every
// method sends its command as the Client's method does, then waits for the
// reply or for ctx to end (the command is then cancelled: dropped if not
// yet written, its reply discarded otherwise; a job reserved for a
// cancelled reserve is released, see Client). Any number of goroutines may
// share one Sync, and so one pipelined connection: safe for concurrent
// use. Called on an event loop goroutine, the methods return
// future.ErrAwaitOnLoop without sending anything.
type Sync struct {
	c *Client
}

// Client returns the Client behind s.
func (s *Sync) Client() *Client { return s.c }

func await[T any](s *Sync, ctx context.Context, op func() *future.Future[T]) (T, error) {
	if s.c.loop.OnLoop() {
		var zero T
		return zero, future.ErrAwaitOnLoop
	}
	return op().Await(ctx)
}

func await0(s *Sync, ctx context.Context, op func() *future.Future[struct{}]) error {
	_, err := await(s, ctx, op)
	return err
}

// do sends an encoded command and waits for its raw reply: the hot
// commands skip the conversion step of the future API.
func (s *Sync) do(ctx context.Context, k bs.Kind, cmd []byte, err error) (bs.Reply, error) {
	if err != nil {
		return bs.Reply{}, err
	}
	return s.c.conn.Do(ctx, op{kind: k}, cmd, 0)
}

// reserve sends reserve, or reserve-with-timeout if wait is set, and
// waits for the job. The protocol cannot take a reserve back, and the
// connection is held up while the server waits, so when ctx has a
// deadline the server is asked to wait no longer than that (rounded up
// to a second): a reserve given up at its deadline then frees the
// connection soon after, instead of blocking every later command until a
// job arrives.
func (s *Sync) reserve(ctx context.Context, wait bool, d time.Duration) (Job, error) {
	if s.c.loop.OnLoop() {
		return Job{}, future.ErrAwaitOnLoop
	}
	bounded := false
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); !wait || left < d {
			wait, d, bounded = true, left, true
		}
	}
	k, cmd := bs.KindReserve, s.c.enc.AppendReserve(nil)
	if wait {
		k, cmd = bs.KindReserveWithTimeout, s.c.enc.AppendReserveWithTimeout(nil, seconds(d))
	}
	r, err := s.c.reserve(k, cmd).Await(ctx)
	if bounded && errors.Is(err, ErrTimedOut) {
		// The server's wait, bounded by the deadline, ended a moment
		// before Await saw the deadline pass: report what the caller
		// asked for.
		err = context.DeadlineExceeded
	}
	return Job{ID: r.ID, Body: r.Body}, err
}

// Put is Client.Put, blocking.
func (s *Sync) Put(ctx context.Context, body []byte, o PutOptions) (uint64, error) {
	cmd, err := s.c.encodePut(body, o)
	r, err := s.do(ctx, bs.KindPut, cmd, err)
	return r.ID, err
}

// Use is Client.Use, blocking.
func (s *Sync) Use(ctx context.Context, tube string) (string, error) {
	return await(s, ctx, func() *future.Future[string] { return s.c.Use(tube) })
}

// Reserve is Client.Reserve, blocking. If ctx has a deadline, it sends
// reserve-with-timeout instead, so that the server stops waiting (and
// holding up the connection) by then; the error at the deadline is
// ctx's.
func (s *Sync) Reserve(ctx context.Context) (Job, error) {
	return s.reserve(ctx, false, 0)
}

// ReserveWithTimeout is Client.ReserveWithTimeout, blocking. If ctx's
// deadline comes before d, the server is asked to wait only until then
// (see Reserve).
func (s *Sync) ReserveWithTimeout(ctx context.Context, d time.Duration) (Job, error) {
	return s.reserve(ctx, true, d)
}

// ReserveJob is Client.ReserveJob, blocking.
func (s *Sync) ReserveJob(ctx context.Context, id uint64) (Job, error) {
	return await(s, ctx, func() *future.Future[Job] { return s.c.ReserveJob(id) })
}

// Delete is Client.Delete, blocking.
func (s *Sync) Delete(ctx context.Context, id uint64) error {
	_, err := s.do(ctx, bs.KindDelete, s.c.enc.AppendDelete(nil, id), nil)
	return err
}

// Release is Client.Release, blocking.
func (s *Sync) Release(ctx context.Context, id uint64, pri uint32, delay time.Duration) error {
	return await0(s, ctx, func() *future.Future[struct{}] { return s.c.Release(id, pri, delay) })
}

// Bury is Client.Bury, blocking.
func (s *Sync) Bury(ctx context.Context, id uint64, pri uint32) error {
	return await0(s, ctx, func() *future.Future[struct{}] { return s.c.Bury(id, pri) })
}

// Touch is Client.Touch, blocking.
func (s *Sync) Touch(ctx context.Context, id uint64) error {
	return await0(s, ctx, func() *future.Future[struct{}] { return s.c.Touch(id) })
}

// Watch is Client.Watch, blocking.
func (s *Sync) Watch(ctx context.Context, tube string) (int, error) {
	return await(s, ctx, func() *future.Future[int] { return s.c.Watch(tube) })
}

// Ignore is Client.Ignore, blocking.
func (s *Sync) Ignore(ctx context.Context, tube string) (int, error) {
	return await(s, ctx, func() *future.Future[int] { return s.c.Ignore(tube) })
}

// Peek is Client.Peek, blocking.
func (s *Sync) Peek(ctx context.Context, id uint64) (Job, error) {
	return await(s, ctx, func() *future.Future[Job] { return s.c.Peek(id) })
}

// PeekReady is Client.PeekReady, blocking.
func (s *Sync) PeekReady(ctx context.Context) (Job, error) {
	return await(s, ctx, s.c.PeekReady)
}

// PeekDelayed is Client.PeekDelayed, blocking.
func (s *Sync) PeekDelayed(ctx context.Context) (Job, error) {
	return await(s, ctx, s.c.PeekDelayed)
}

// PeekBuried is Client.PeekBuried, blocking.
func (s *Sync) PeekBuried(ctx context.Context) (Job, error) {
	return await(s, ctx, s.c.PeekBuried)
}

// Kick is Client.Kick, blocking.
func (s *Sync) Kick(ctx context.Context, bound int) (int, error) {
	return await(s, ctx, func() *future.Future[int] { return s.c.Kick(bound) })
}

// KickJob is Client.KickJob, blocking.
func (s *Sync) KickJob(ctx context.Context, id uint64) error {
	return await0(s, ctx, func() *future.Future[struct{}] { return s.c.KickJob(id) })
}

// StatsJob is Client.StatsJob, blocking.
func (s *Sync) StatsJob(ctx context.Context, id uint64) (bs.JobStats, error) {
	return await(s, ctx, func() *future.Future[bs.JobStats] { return s.c.StatsJob(id) })
}

// StatsTube is Client.StatsTube, blocking.
func (s *Sync) StatsTube(ctx context.Context, tube string) (bs.TubeStats, error) {
	return await(s, ctx, func() *future.Future[bs.TubeStats] { return s.c.StatsTube(tube) })
}

// Stats is Client.Stats, blocking.
func (s *Sync) Stats(ctx context.Context) (bs.ServerStats, error) {
	return await(s, ctx, s.c.Stats)
}

// ListTubes is Client.ListTubes, blocking.
func (s *Sync) ListTubes(ctx context.Context) ([]string, error) {
	return await(s, ctx, s.c.ListTubes)
}

// ListTubeUsed is Client.ListTubeUsed, blocking.
func (s *Sync) ListTubeUsed(ctx context.Context) (string, error) {
	return await(s, ctx, s.c.ListTubeUsed)
}

// ListTubesWatched is Client.ListTubesWatched, blocking.
func (s *Sync) ListTubesWatched(ctx context.Context) ([]string, error) {
	return await(s, ctx, s.c.ListTubesWatched)
}

// PauseTube is Client.PauseTube, blocking.
func (s *Sync) PauseTube(ctx context.Context, tube string, d time.Duration) error {
	return await0(s, ctx, func() *future.Future[struct{}] { return s.c.PauseTube(tube, d) })
}

// Quit is Client.Quit, blocking.
func (s *Sync) Quit(ctx context.Context) error {
	return await0(s, ctx, s.c.Quit)
}
