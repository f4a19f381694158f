// Package beanstalkbench is the "beanstalk" benchmark suite: eddy's
// beanstalkd driver against github.com/beanstalkd/go-beanstalk, on a
// beanstalkd the suite starts itself on an ephemeral loopback port.
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
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gobs "github.com/beanstalkd/go-beanstalk"
	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/beanstalk"
	"github.com/eddy-go/eddy/future"
)

// Operation counts per measurement: small enough to bound the suite to a
// few seconds, large enough to amortize start-up. Variables so that the
// smoke test can shrink them.
var (
	opsC1  = 3000
	opsC64 = 20000
	rounds = 3
)

var body = make([]byte, 100)

// Run runs the suite and reports each figure through emit.
func Run(emit func(impl, scenario, metric string, value float64, unit string)) error {
	addr, pid, stop, err := startServer()
	if err != nil {
		return err
	}
	defer stop()
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
	type key struct{ impl, scenario, metric, unit string }
	var order []key
	figures := map[key][]float64{}
	add := func(k key, v float64) {
		if figures[k] == nil {
			order = append(order, k)
		}
		figures[k] = append(figures[k], v)
	}
	var cpu [2]time.Duration // server's and this process's, at the last mark
	mark := func() (server, client time.Duration, ok bool) {
		s, err1 := cpuTime(strconv.Itoa(pid))
		c, err2 := cpuTime("self")
		if err1 != nil || err2 != nil {
			return 0, 0, false
		}
		server, client = s-cpu[0], c-cpu[1]
		cpu = [2]time.Duration{s, c}
		return server, client, true
	}
	record := func(impl, scenario string, n int, d time.Duration) {
		add(key{impl, scenario, "throughput", "ops/s"}, float64(n)/d.Seconds())
		if server, client, ok := mark(); ok {
			add(key{impl, scenario, "server-cpu", "us/op"}, float64(server.Microseconds())/float64(n))
			add(key{impl, scenario, "client-cpu", "us/op"}, float64(client.Microseconds())/float64(n))
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
				mark()
				d, err := im.put(tube, conc, n)
				if err != nil {
					return fmt.Errorf("%s put-c%d: %w", im.name, conc, err)
				}
				record(im.name, fmt.Sprintf("put-c%d", conc), n, d)
				// The puts just made fill the tube for reserve-delete.
				mark()
				d, err = im.take(tube, conc, n)
				if err != nil {
					return fmt.Errorf("%s reserve-delete-c%d: %w", im.name, conc, err)
				}
				record(im.name, fmt.Sprintf("reserve-delete-c%d", conc), n, d)
			}
		}
	}
	for _, k := range order {
		v := figures[k]
		slices.Sort(v)
		emit(k.impl, k.scenario, k.metric, v[len(v)/2], k.unit)
	}
	return nil
}

// startServer runs beanstalkd on a free loopback port until stop.
func startServer() (addr string, pid int, stop func(), err error) {
	bin, err := exec.LookPath("beanstalkd")
	if err != nil {
		home, _ := os.UserHomeDir()
		cached := filepath.Join(home, ".cache", "eddy-testbin", "bin", "beanstalkd")
		if _, serr := os.Stat(cached); serr != nil {
			return "", 0, nil, fmt.Errorf("beanstalkbench: beanstalkd not installed: %w", err)
		}
		bin = cached
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", 0, nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-l", "127.0.0.1", "-p", strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop = func() { cmd.Process.Kill(); cmd.Wait() }
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr, cmd.Process.Pid, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", 0, nil, fmt.Errorf("beanstalkbench: beanstalkd did not start: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cpuTime returns the user plus system CPU time of a process ("self" or a
// pid) from /proc, to 10ms; it fails where there is no /proc.
func cpuTime(proc string) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + proc + "/stat")
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, errors.New("beanstalkbench: unexpected /proc stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("beanstalkbench: unexpected /proc stat")
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil // USER_HZ is 100 on Linux
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
