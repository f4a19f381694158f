package beanstalk

import (
	"math"
	"slices"
	"time"

	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// DefaultTTR is the time to run given to jobs put with a zero TTR.
const DefaultTTR = time.Minute

// DefaultPriority is the conventional middle priority (lower is more
// urgent; jobs under 1024 count as urgent in stats).
const DefaultPriority uint32 = 1024

// PutOptions are the parameters of a put. The zero value puts a job with
// priority 0 (the most urgent), no delay, and DefaultTTR.
type PutOptions struct {
	Priority uint32        // lower is more urgent
	Delay    time.Duration // before the job becomes ready; rounded up to seconds
	TTR      time.Duration // time to run once reserved; rounded up to seconds; 0 means DefaultTTR
}

// Job is a job returned by reserve and peek commands. Body is the caller's
// to keep.
type Job struct {
	ID   uint64
	Body []byte
}

func asUnit(f *future.Future[bs.Reply]) *future.Future[struct{}] {
	return future.Map(f, func(bs.Reply) struct{} { return struct{}{} })
}

func asJob(f *future.Future[bs.Reply]) *future.Future[Job] {
	return future.Map(f, func(r bs.Reply) Job { return Job{ID: r.ID, Body: r.Body} })
}

func asCount(f *future.Future[bs.Reply]) *future.Future[int] {
	return future.Map(f, func(r bs.Reply) int { return int(r.Count) })
}

func asList(f *future.Future[bs.Reply]) *future.Future[[]string] {
	return future.Then(f, func(r bs.Reply) ([]string, error) { return bs.ParseTubeList(r.Body) })
}

// Put puts a job with body into the used tube and returns its id. The body
// is copied before Put returns. Safe for concurrent use.
func (c *Client) Put(body []byte, o PutOptions) *future.Future[uint64] {
	cmd, err := c.encodePut(body, o)
	return future.Map(c.call(bs.KindPut, cmd, err, 0), func(r bs.Reply) uint64 { return r.ID })
}

func (c *Client) encodePut(body []byte, o PutOptions) ([]byte, error) {
	ttr := o.TTR
	if ttr == 0 {
		ttr = DefaultTTR
	}
	return c.enc.AppendPut(make([]byte, 0, 32+len(body)), o.Priority, seconds(o.Delay), seconds(ttr), body)
}

// Use makes later puts go to tube, on this connection and after every
// reconnect, and returns the tube's name. Safe for concurrent use.
func (c *Client) Use(tube string) *future.Future[string] {
	cmd, err := c.enc.AppendUse(nil, tube)
	f := c.call(bs.KindUse, cmd, err, 0)
	// The session changes even if the caller stops waiting: OnSettle keeps
	// the reply wanted.
	f.OnSettle(func(r bs.Reply, err error) {
		if err == nil {
			c.used = r.Tube
		}
	})
	return future.Map(f, func(r bs.Reply) string { return r.Tube })
}

// Reserve waits for a job from the watched tubes, for as long as it takes,
// and reserves it for its TTR. It fails with ErrDeadlineSoon when a job
// reserved by this connection is about to run out of time. It holds up the
// connection until it returns (see Client). Safe for concurrent use.
func (c *Client) Reserve() *future.Future[Job] {
	return asJob(c.reserve(bs.KindReserve, c.enc.AppendReserve(nil)))
}

// ReserveWithTimeout is Reserve giving up after d (rounded up to seconds;
// 0 asks without waiting) with ErrTimedOut. Safe for concurrent use.
func (c *Client) ReserveWithTimeout(d time.Duration) *future.Future[Job] {
	return asJob(c.reserve(bs.KindReserveWithTimeout, c.enc.AppendReserveWithTimeout(nil, seconds(d))))
}

// ReserveJob reserves the job with the given id, ready, delayed or buried,
// or fails with ErrNotFound. Safe for concurrent use.
func (c *Client) ReserveJob(id uint64) *future.Future[Job] {
	return asJob(c.reserve(bs.KindReserveJob, c.enc.AppendReserveJob(nil, id)))
}

// Delete deletes a job reserved by this connection, or a ready, delayed or
// buried one. Safe for concurrent use.
func (c *Client) Delete(id uint64) *future.Future[struct{}] {
	return asUnit(c.send(bs.KindDelete, c.enc.AppendDelete(nil, id), 0))
}

// Release puts a job reserved by this connection back into the ready queue
// (or the delayed one, after delay rounded up to seconds) with a new
// priority. If the connection drops before the command is written, it
// fails with ErrConnLost rather than being sent on the next connection
// (see Client). Safe for concurrent use.
func (c *Client) Release(id uint64, pri uint32, delay time.Duration) *future.Future[struct{}] {
	return asUnit(c.send(bs.KindRelease, c.enc.AppendRelease(nil, id, pri, seconds(delay)), driver.Bound))
}

// Bury buries a job reserved by this connection, with a new priority.
// Like Release, it is never sent on a later connection than the one up
// when it was issued. Safe for concurrent use.
func (c *Client) Bury(id uint64, pri uint32) *future.Future[struct{}] {
	return asUnit(c.send(bs.KindBury, c.enc.AppendBury(nil, id, pri), driver.Bound))
}

// Touch gives a job reserved by this connection a fresh TTR. Like
// Release, it is never sent on a later connection than the one up when it
// was issued. Safe for concurrent use.
func (c *Client) Touch(id uint64) *future.Future[struct{}] {
	return asUnit(c.send(bs.KindTouch, c.enc.AppendTouch(nil, id), driver.Bound))
}

// Watch adds tube to the watch list, on this connection and after every
// reconnect, and returns how many tubes are watched. Safe for concurrent
// use.
func (c *Client) Watch(tube string) *future.Future[int] {
	cmd, err := c.enc.AppendWatch(nil, tube)
	f := c.call(bs.KindWatch, cmd, err, 0)
	f.OnSettle(func(_ bs.Reply, err error) {
		if err == nil && !slices.Contains(c.watched, tube) {
			c.watched = append(c.watched, tube)
		}
	})
	return asCount(f)
}

// Ignore removes tube from the watch list, on this connection and after
// every reconnect, and returns how many tubes are still watched. It fails
// with ErrNotIgnored for the last watched tube. Safe for concurrent use.
func (c *Client) Ignore(tube string) *future.Future[int] {
	cmd, err := c.enc.AppendIgnore(nil, tube)
	f := c.call(bs.KindIgnore, cmd, err, 0)
	f.OnSettle(func(_ bs.Reply, err error) {
		if err == nil {
			c.watched = slices.DeleteFunc(c.watched, func(t string) bool { return t == tube })
		}
	})
	return asCount(f)
}

// Peek returns the job with the given id. Safe for concurrent use.
func (c *Client) Peek(id uint64) *future.Future[Job] {
	return asJob(c.send(bs.KindPeek, c.enc.AppendPeek(nil, id), driver.Idempotent))
}

// PeekReady returns the next ready job of the used tube. Safe for
// concurrent use.
func (c *Client) PeekReady() *future.Future[Job] {
	return asJob(c.send(bs.KindPeekReady, c.enc.AppendPeekReady(nil), driver.Idempotent))
}

// PeekDelayed returns the delayed job of the used tube with the shortest
// delay left. Safe for concurrent use.
func (c *Client) PeekDelayed() *future.Future[Job] {
	return asJob(c.send(bs.KindPeekDelayed, c.enc.AppendPeekDelayed(nil), driver.Idempotent))
}

// PeekBuried returns the next buried job of the used tube. Safe for
// concurrent use.
func (c *Client) PeekBuried() *future.Future[Job] {
	return asJob(c.send(bs.KindPeekBuried, c.enc.AppendPeekBuried(nil), driver.Idempotent))
}

// Kick moves up to bound buried jobs of the used tube (or, if it has none,
// delayed ones) to the ready queue and returns how many moved. Safe for
// concurrent use.
func (c *Client) Kick(bound int) *future.Future[int] {
	n := uint64(max(bound, 0)) // bound is an int: 32 bits wide on some platforms
	return asCount(c.send(bs.KindKick, c.enc.AppendKick(nil, uint32(min(n, math.MaxUint32))), 0))
}

// KickJob moves a buried or delayed job to the ready queue. Safe for
// concurrent use.
func (c *Client) KickJob(id uint64) *future.Future[struct{}] {
	return asUnit(c.send(bs.KindKickJob, c.enc.AppendKickJob(nil, id), 0))
}

// StatsJob returns a job's statistics. Safe for concurrent use.
func (c *Client) StatsJob(id uint64) *future.Future[bs.JobStats] {
	return future.Then(c.send(bs.KindStatsJob, c.enc.AppendStatsJob(nil, id), driver.Idempotent),
		func(r bs.Reply) (bs.JobStats, error) { return bs.ParseJobStats(r.Body) })
}

// StatsTube returns a tube's statistics. Safe for concurrent use.
func (c *Client) StatsTube(tube string) *future.Future[bs.TubeStats] {
	cmd, err := c.enc.AppendStatsTube(nil, tube)
	return future.Then(c.call(bs.KindStatsTube, cmd, err, driver.Idempotent),
		func(r bs.Reply) (bs.TubeStats, error) { return bs.ParseTubeStats(r.Body) })
}

// Stats returns the server's statistics. Safe for concurrent use.
func (c *Client) Stats() *future.Future[bs.ServerStats] {
	return future.Then(c.send(bs.KindStats, c.enc.AppendStats(nil), driver.Idempotent),
		func(r bs.Reply) (bs.ServerStats, error) { return bs.ParseServerStats(r.Body) })
}

// ListTubes returns the names of every existing tube. Safe for concurrent
// use.
func (c *Client) ListTubes() *future.Future[[]string] {
	return asList(c.send(bs.KindListTubes, c.enc.AppendListTubes(nil), driver.Idempotent))
}

// ListTubeUsed returns the tube puts go to. Safe for concurrent use.
func (c *Client) ListTubeUsed() *future.Future[string] {
	return future.Map(c.send(bs.KindListTubeUsed, c.enc.AppendListTubeUsed(nil), driver.Idempotent),
		func(r bs.Reply) string { return r.Tube })
}

// ListTubesWatched returns the watch list. Safe for concurrent use.
func (c *Client) ListTubesWatched() *future.Future[[]string] {
	return asList(c.send(bs.KindListTubesWatched, c.enc.AppendListTubesWatched(nil), driver.Idempotent))
}

// PauseTube stops jobs being reserved from tube for d (rounded up to
// seconds). Safe for concurrent use.
func (c *Client) PauseTube(tube string, d time.Duration) *future.Future[struct{}] {
	cmd, err := c.enc.AppendPauseTube(nil, tube, seconds(d))
	return asUnit(c.call(bs.KindPauseTube, cmd, err, 0))
}
