package redis

import (
	"context"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// Batch is a list of commands to send together with Exec. It is not a
// transaction: each command succeeds or fails on its own. Build it from
// one goroutine; it may be executed several times.
type Batch struct {
	cmds  [][]byte
	errs  []error
	flags []driver.Flags // Idempotent for read-only commands (readFlags)
}

// Do appends the command args (encoded as Client.Do encodes them) and
// returns its index in the batch's results. An argument of an unsupported
// type makes that command's result fail with ErrArgType.
func (b *Batch) Do(args ...any) int {
	cmd, err := appendArgs(nil, args)
	b.cmds = append(b.cmds, cmd)
	b.errs = append(b.errs, err)
	b.flags = append(b.flags, readFlags(args))
	return len(b.cmds) - 1
}

// Len returns the number of commands in the batch.
func (b *Batch) Len() int { return len(b.cmds) }

// BatchResult is the outcome of one command of a Batch: its reply, or its
// error (an *Error for an error reply).
type BatchResult = future.Result[resp.Value]

// Exec sends the commands of b and resolves, once every reply has come,
// to their results in the order of b; it never fails as a whole. The
// commands are sent during one loop turn, so each connection writes its
// share with one write. On a ClusterClient, that splits the batch per
// master (each command goes to its slot's master and follows its own
// redirections); the results still come back in b's order. Safe for
// concurrent use.
func (c *cmds) Exec(b *Batch) *future.Future[[]BatchResult] {
	cmds := append([][]byte(nil), b.cmds...)
	errs := append([]error(nil), b.errs...)
	flags := append([]driver.Flags(nil), b.flags...)
	out, p := future.New[[]BatchResult](c.loop)
	run := func() {
		fs := make([]*future.Future[resp.Value], len(cmds))
		for i, cmd := range cmds {
			if errs[i] != nil {
				fs[i] = future.Rejected[resp.Value](c.loop, errs[i])
			} else {
				fs[i] = c.call(cmd, flags[i])
			}
		}
		p.Follow(future.AllSettled(fs...))
	}
	if c.loop.OnLoop() {
		run()
	} else if c.loop.Post(run) != nil {
		p.Reject(ErrClosed)
	}
	return out
}

// Exec is Exec of the client, waiting for the results.
func (s *syncCmds) Exec(ctx context.Context, b *Batch) ([]BatchResult, error) {
	return s.c.Exec(b).Await(ctx)
}
