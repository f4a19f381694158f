// Package beanstalkbench is the "beanstalk" benchmark suite: eddy's
// beanstalkd driver against github.com/beanstalkd/go-beanstalk, on a
// beanstalkd the suite starts itself on an ephemeral loopback port. The
// runner pins beanstalkd to the server CPU and itself to the other one
// (RunPinned).
//
// Scenarios, each a fixed number of operations timed from first to last,
// reporting the median of three rounds of: "throughput" (ops/s), and, where
// /proc exists, "server-cpu" (beanstalkd's CPU time per operation, us/op)
// and "client-cpu" (this process's, us/op; 10ms resolution):
//
//   - put-c1, put-c64: put a 100-byte job, by 1 or 64 concurrent callers;
//   - reserve-delete-c1, reserve-delete-c64: reserve a ready job (without
//     waiting) and delete it, by 1 or 64 callers, from a pre-filled tube.
//
// Implementations:
//
//   - eddy-sync: goroutines calling the blocking facade (beanstalk.Sync),
//     all sharing one pipelined connection;
//   - eddy-futures: on the loop, 1 or 64 chains of futures in flight on one
//     connection, each starting its next operation when one completes;
//   - go-beanstalk: goroutines each with a go-beanstalk connection of its
//     own (64 connections at c64), the library's one-request-at-a-time
//     model; a shared connection would serialize the callers on its
//     mutex.
package beanstalkbench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	gobs "github.com/beanstalkd/go-beanstalk"
	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/beanstalk"
	"github.com/eddy-go/eddy/bench/internal/figures"
	"github.com/eddy-go/eddy/bench/internal/srvproc"
	"github.com/eddy-go/eddy/future"
)

// Operation counts per measurement: small enough to bound the suite to a
// few seconds, large enough to amortize start-up. Variables so that the
// smoke test can shrink them.
var (
	opsC1  = 20000
	opsC64 = 100000
	rounds = 3
)

var body = make([]byte, 100)

// Run runs the suite unpinned and reports each figure through emit.
func Run(emit func(impl, scenario, metric string, value float64, unit string)) error {
	return RunPinned(-1, nil, emit)
}

// RunPinned runs the suite with beanstalkd on serverCPU (-1: anywhere) and,
// when pinClient is not nil, this process pinned by it for the
// measurements (the runner passes its load-generator pinning).
func RunPinned(serverCPU int, pinClient func() (restore func(), err error), emit func(impl, scenario, metric string, value float64, unit string)) error {
	srv, err := srvproc.Start(srvproc.Config{
		Program: "beanstalkd",
		Args:    func(port int) []string { return []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port)} },
		CPU:     serverCPU,
	})
	if err != nil {
		return err
	}
	if pinClient != nil {
		restore, err := pinClient()
		if err != nil {
			srv.Stop()
			return err
		}
		defer restore()
	}
	defer srv.Stop()
	addr, pid := srv.Addr, srv.Pid
	loop, err := eddy.New(eddy.WithKeepAlive())
	if err != nil {
		return err
	}
	ran := make(chan error, 1)
	go func() { ran <- loop.Run() }()
	defer func() { loop.Stop(); <-ran }()

	impls := []struct {
		name string
		put  func(tube string, conc, n int) (time.Duration, error)
		take func(tube string, conc, n int) (time.Duration, error)
	}{
		{"eddy-sync", eddySync(loop, addr, false), eddySync(loop, addr, true)},
		{"eddy-futures", eddyFutures(loop, addr, false), eddyFutures(loop, addr, true)},
		{"go-beanstalk", goBeanstalk(addr, false), goBeanstalk(addr, true)},
	}
	// Rounds interleave the implementations, so that a burst of load
	// from elsewhere on the machine does not fall on one of them only;
	// each figure is the median of its rounds.
	var figs figures.Set
	cpu := figures.NewCPU(pid)
	record := func(impl, scenario string, n int, d time.Duration) {
		figs.Add(impl, scenario, "throughput", "ops/s", float64(n)/d.Seconds())
		if server, client, ok := cpu.Mark(); ok {
			figs.Add(impl, scenario, "server-cpu", "us/op", float64(server.Microseconds())/float64(n))
			figs.Add(impl, scenario, "client-cpu", "us/op", float64(client.Microseconds())/float64(n))
		}
	}
	run := 0
	for range rounds {
		for _, conc := range []int{1, 64} {
			n := opsC1
			if conc > 1 {
				n = opsC64
			}
			for _, im := range impls {
				run++
				tube := fmt.Sprintf("bench-%d", run)
				cpu.Mark()
				d, err := im.put(tube, conc, n)
				if err != nil {
					return fmt.Errorf("%s put-c%d: %w", im.name, conc, err)
				}
				record(im.name, fmt.Sprintf("put-c%d", conc), n, d)
				// The puts just made fill the tube for reserve-delete.
				cpu.Mark()
				d, err = im.take(tube, conc, n)
				if err != nil {
					return fmt.Errorf("%s reserve-delete-c%d: %w", im.name, conc, err)
				}
				record(im.name, fmt.Sprintf("reserve-delete-c%d", conc), n, d)
			}
		}
	}
	figs.EmitMedians(emit)
	return nil
}

// split runs fn on conc goroutines sharing n operations, and times them.
func split(conc, n int, fn func(g, ops int) error) (time.Duration, error) {
	var wg sync.WaitGroup
	errs := make([]error, conc)
	start := time.Now()
	for g := range conc {
		ops := n / conc
		if g < n%conc {
			ops++
		}
		wg.Go(func() { errs[g] = fn(g, ops) })
	}
	wg.Wait()
	return time.Since(start), errors.Join(errs...)
}

func eddySync(loop *eddy.Loop, addr string, take bool) func(string, int, int) (time.Duration, error) {
	return func(tube string, conc, n int) (time.Duration, error) {
		c, err := beanstalk.Dial(loop, addr, beanstalk.Options{Tube: tube, Watch: []string{tube}})
		if err != nil {
			return 0, err
		}
		defer c.Close()
		s := c.Sync()
		ctx := context.Background()
		if _, err := s.ListTubeUsed(ctx); err != nil { // connected
			return 0, err
		}
		return split(conc, n, func(_, ops int) error {
			for range ops {
				if !take {
					if _, err := s.Put(ctx, body, beanstalk.PutOptions{}); err != nil {
						return err
					}
					continue
				}
				j, err := s.ReserveWithTimeout(ctx, 0)
				if err != nil {
					return err
				}
				if err := s.Delete(ctx, j.ID); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

func eddyFutures(loop *eddy.Loop, addr string, take bool) func(string, int, int) (time.Duration, error) {
	return func(tube string, conc, n int) (time.Duration, error) {
		c, err := beanstalk.Dial(loop, addr, beanstalk.Options{Tube: tube, Watch: []string{tube}})
		if err != nil {
			return 0, err
		}
		defer c.Close()
		if _, err := c.Sync().ListTubeUsed(context.Background()); err != nil {
			return 0, err
		}
		op := func() *future.Future[struct{}] {
			if !take {
				return future.Map(c.Put(body, beanstalk.PutOptions{}), func(uint64) struct{} { return struct{}{} })
			}
			return future.ThenFuture(c.ReserveWithTimeout(0), func(j beanstalk.Job) *future.Future[struct{}] {
				return c.Delete(j.ID)
			})
		}
		done := make(chan error, 1)
		var started, finished int
		var failed atomic.Bool
		var next func()
		next = func() {
			started++
			op().OnSettle(func(_ struct{}, err error) {
				finished++
				if err != nil && !failed.Swap(true) {
					done <- err
					return
				}
				if started < n {
					next()
				} else if finished == n && !failed.Load() {
					done <- nil
				}
			})
		}
		start := time.Now()
		loop.Post(func() {
			for range min(conc, n) {
				next()
			}
		})
		err = <-done
		return time.Since(start), err
	}
}

func goBeanstalk(addr string, take bool) func(string, int, int) (time.Duration, error) {
	return func(tube string, conc, n int) (time.Duration, error) {
		conns := make([]*gobs.Conn, conc)
		for i := range conns {
			c, err := gobs.Dial("tcp", addr)
			if err != nil {
				return 0, err
			}
			defer c.Close()
			conns[i] = c
		}
		return split(conc, n, func(g, ops int) error {
			t := gobs.NewTube(conns[g], tube)
			ts := gobs.NewTubeSet(conns[g], tube)
			for range ops {
				if !take {
					if _, err := t.Put(body, 0, 0, time.Minute); err != nil {
						return err
					}
					continue
				}
				id, _, err := ts.Reserve(0)
				if err != nil {
					return err
				}
				if err := conns[g].Delete(id); err != nil {
					return err
				}
			}
			return nil
		})
	}
}
