// Package redisbench is the "redis" benchmark suite: eddy's Redis driver
// against github.com/redis/go-redis/v9 and github.com/redis/rueidis, on a
// redis-server the suite starts itself on an ephemeral loopback port.
//
// Scenarios: get-cN and set-cN, GET and SET of 16-byte values by N = 1, 64
// and 1024 concurrent callers, each a fixed number of operations timed
// from first to last. Each figure is the median of three rounds, the
// implementations interleaved within a round:
//
//   - "throughput" (ops/s);
//   - "p99" (the 99th percentile of one operation's latency, us);
//   - "client-cpu" (this process's CPU time per operation, us/op; from
//     /proc, to 10ms) and "server-cpu" (redis-server's).
//
// Implementations:
//
//   - eddy-sync: goroutines calling the blocking facade (redis.Sync), all
//     sharing one auto-pipelined connection;
//   - eddy-futures: on the loop, N chains of futures in flight on one
//     connection, each starting its next operation when one completes;
//   - go-redis: goroutines sharing one go-redis client (its connection
//     pool, default size);
//   - rueidis: goroutines sharing one rueidis client (auto-pipelining,
//     client-side caching off).
//
// The client and the server are not pinned to CPUs here; the suite runner
// pins this process.
package redisbench

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
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/redis"
	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

// Operation counts per measurement, by concurrency. Variables so that the
// smoke test can shrink them.
var (
	opsByConc = map[int]int{1: 3000, 64: 30000, 1024: 60000}
	concs     = []int{1, 64, 1024}
	rounds    = 3
)

var value = "0123456789abcdef" // 16 bytes

// impl runs n operations (GET or SET) by conc callers and returns the
// elapsed time and the latencies, in microseconds.
type impl struct {
	name string
	run  func(set bool, conc, n int) (time.Duration, []float64, error)
}

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

	ec, err := redis.Dial(loop, addr, redis.Options{})
	if err != nil {
		return err
	}
	defer ec.Close()
	gr := goredis.NewClient(&goredis.Options{Addr: addr})
	defer gr.Close()
	rd, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableCache: true})
	if err != nil {
		return err
	}
	defer rd.Close()
	ctx := context.Background()
	if err := ec.Sync().Ping(ctx); err != nil {
		return err
	}
	for i := range 1024 { // keys for the GETs
		if err := gr.Set(ctx, key(i), value, 0).Err(); err != nil {
			return err
		}
	}
	impls := []impl{
		{"eddy-sync", eddySync(ec)},
		{"eddy-futures", eddyFutures(loop, ec)},
		{"go-redis", goRedis(gr)},
		{"rueidis", rueidisRun(rd)},
	}

	type fkey struct{ impl, scenario, metric, unit string }
	var order []fkey
	figures := map[fkey][]float64{}
	add := func(k fkey, v float64) {
		if figures[k] == nil {
			order = append(order, k)
		}
		figures[k] = append(figures[k], v)
	}
	var cpu [2]time.Duration
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
	for range rounds {
		for _, conc := range concs {
			n := opsByConc[conc]
			for _, set := range []bool{false, true} {
				scenario := fmt.Sprintf("get-c%d", conc)
				if set {
					scenario = fmt.Sprintf("set-c%d", conc)
				}
				for _, im := range impls {
					mark()
					d, lat, err := im.run(set, conc, n)
					if err != nil {
						return fmt.Errorf("%s %s: %w", im.name, scenario, err)
					}
					add(fkey{im.name, scenario, "throughput", "ops/s"}, float64(n)/d.Seconds())
					add(fkey{im.name, scenario, "p99", "us"}, percentile(lat, 0.99))
					if server, client, ok := mark(); ok {
						add(fkey{im.name, scenario, "server-cpu", "us/op"}, float64(server.Microseconds())/float64(n))
						add(fkey{im.name, scenario, "client-cpu", "us/op"}, float64(client.Microseconds())/float64(n))
					}
				}
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

func key(i int) string { return "bench:" + strconv.Itoa(i%1024) }

func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[min(int(float64(len(v))*p), len(v)-1)]
}

// split runs fn on conc goroutines sharing n operations, times them, and
// gathers the latencies fn appends.
func split(conc, n int, fn func(g, ops int, lat []float64) ([]float64, error)) (time.Duration, []float64, error) {
	var wg sync.WaitGroup
	errs := make([]error, conc)
	lats := make([][]float64, conc)
	start := time.Now()
	for g := range conc {
		ops := n / conc
		if g < n%conc {
			ops++
		}
		wg.Go(func() { lats[g], errs[g] = fn(g, ops, make([]float64, 0, ops)) })
	}
	wg.Wait()
	d := time.Since(start)
	return d, slices.Concat(lats...), errors.Join(errs...)
}

// timed runs ops operations, recording each one's latency.
func timed(g, ops int, lat []float64, op func(k string) error) ([]float64, error) {
	for i := range ops {
		t := time.Now()
		if err := op(key(g*31 + i)); err != nil {
			return lat, err
		}
		lat = append(lat, float64(time.Since(t).Nanoseconds())/1e3)
	}
	return lat, nil
}

func eddySync(c *redis.Client) func(bool, int, int) (time.Duration, []float64, error) {
	s := c.Sync()
	ctx := context.Background()
	return func(set bool, conc, n int) (time.Duration, []float64, error) {
		return split(conc, n, func(g, ops int, lat []float64) ([]float64, error) {
			return timed(g, ops, lat, func(k string) error {
				if set {
					_, err := s.Set(ctx, k, value, redis.SetOptions{})
					return err
				}
				_, err := s.Get(ctx, k)
				return err
			})
		})
	}
}

func eddyFutures(loop *eddy.Loop, c *redis.Client) func(bool, int, int) (time.Duration, []float64, error) {
	return func(set bool, conc, n int) (time.Duration, []float64, error) {
		done := make(chan error, 1)
		lat := make([]float64, 0, n)
		var started, finished int
		failed := false
		var next func()
		next = func() {
			i := started
			started++
			t := time.Now()
			settle := func(err error) {
				finished++
				lat = append(lat, float64(time.Since(t).Nanoseconds())/1e3)
				if err != nil && !failed {
					failed = true
					done <- err
					return
				}
				if started < n {
					next()
				} else if finished == n && !failed {
					done <- nil
				}
			}
			if set {
				c.Set(key(i), value, redis.SetOptions{}).OnSettle(func(_ bool, err error) { settle(err) })
			} else {
				c.Get(key(i)).OnSettle(func(_ string, err error) { settle(err) })
			}
		}
		start := time.Now()
		if err := loop.Post(func() {
			for range min(conc, n) {
				next()
			}
		}); err != nil {
			return 0, nil, err
		}
		err := <-done
		return time.Since(start), lat, err
	}
}

func goRedis(c *goredis.Client) func(bool, int, int) (time.Duration, []float64, error) {
	ctx := context.Background()
	return func(set bool, conc, n int) (time.Duration, []float64, error) {
		return split(conc, n, func(g, ops int, lat []float64) ([]float64, error) {
			return timed(g, ops, lat, func(k string) error {
				if set {
					return c.Set(ctx, k, value, 0).Err()
				}
				return c.Get(ctx, k).Err()
			})
		})
	}
}

func rueidisRun(c rueidis.Client) func(bool, int, int) (time.Duration, []float64, error) {
	ctx := context.Background()
	return func(set bool, conc, n int) (time.Duration, []float64, error) {
		return split(conc, n, func(g, ops int, lat []float64) ([]float64, error) {
			return timed(g, ops, lat, func(k string) error {
				if set {
					return c.Do(ctx, c.B().Set().Key(k).Value(value).Build()).Error()
				}
				return c.Do(ctx, c.B().Get().Key(k).Build()).Error()
			})
		})
	}
}

// startServer runs redis-server on a free loopback port until stop.
func startServer() (addr string, pid int, stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		home, _ := os.UserHomeDir()
		cached := filepath.Join(home, ".cache", "eddy-testbin", "bin", "redis-server")
		if _, serr := os.Stat(cached); serr != nil {
			return "", 0, nil, fmt.Errorf("redisbench: redis-server not installed: %w", err)
		}
		bin = cached
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", 0, nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir, err := os.MkdirTemp("", "redisbench")
	if err != nil {
		return "", 0, nil, err
	}
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no")
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", 0, nil, err
	}
	stop = func() { cmd.Process.Kill(); cmd.Wait(); os.RemoveAll(dir) }
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_, err = c.Write([]byte("PING\r\n"))
			buf := make([]byte, 7)
			if err == nil {
				c.SetReadDeadline(time.Now().Add(time.Second))
				_, err = c.Read(buf)
			}
			c.Close()
			if err == nil && bytes.HasPrefix(buf, []byte("+PONG")) {
				return addr, cmd.Process.Pid, stop, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", 0, nil, fmt.Errorf("redisbench: redis-server did not start: %v", err)
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
	if i < 0 {
		return 0, errors.New("redisbench: unexpected /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("redisbench: unexpected /proc stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("redisbench: unexpected /proc stat")
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil // USER_HZ is 100 on Linux
}
