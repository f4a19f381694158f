// Package beanstalk is eddy's beanstalkd driver: every command of the
// protocol (beanstalkd 1.12), pipelined on one connection per Client, with
// futures for loop code, a blocking facade for goroutine code, and a
// Worker for consuming jobs.
//
// # Producers
//
// A Client's methods return futures and are safe for concurrent use. The
// commands issued during one loop turn go out in one write, and many
// goroutines can share one connection through the blocking facade:
//
//	c, _ := beanstalk.Dial(loop, "127.0.0.1:11300", beanstalk.Options{Tube: "emails"})
//	s := c.Sync()
//	id, err := s.Put(ctx, body, beanstalk.PutOptions{Priority: 10, TTR: time.Minute})
//
// # Workers
//
// A Worker has a connection of its own, reserves jobs from its tubes and
// runs a Handler for each, at most Concurrency at once. A handler returns a
// future; success deletes the job, failure releases it with a delay or
// buries it (WorkerOptions.OnFailure). Jobs that run long are touched so
// that they keep their reservation. Stop waits for the running jobs.
//
//	w, _ := beanstalk.NewWorker(loop, addr, func(j beanstalk.Job) *future.Future[struct{}] {
//		return eddy.Submit(loop, func() (struct{}, error) { return struct{}{}, send(j.Body) })
//	}, beanstalk.WorkerOptions{Options: beanstalk.Options{Watch: []string{"emails"}}, Concurrency: 8})
//
// # Failures
//
// Every error reply comes back as a *codec/beanstalk.ReplyError matching a
// sentinel (ErrNotFound, ErrTimedOut, ErrDeadlineSoon, ErrJobTooBig...).
// When the connection drops, the commands in flight fail with an error
// matching ErrConnLost (a *driver.ConnError); they are not sent again,
// except read-only ones. Release, bury and touch act on a reservation,
// which goes with its connection: one not yet written when the connection
// drops fails with ErrConnLost too, rather than acting on whoever holds
// the job on the next connection. The client reconnects with backoff and
// restores the used tube and the watch list first. Replies that break the
// protocol (and BAD_FORMAT, UNKNOWN_COMMAND, EXPECTED_CRLF) drop the
// connection.
//
// Durations are time.Duration and are rounded up to whole seconds on the
// wire.
package beanstalk
