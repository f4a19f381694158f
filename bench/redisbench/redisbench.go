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
//     connection, each starting its next operation when one completes
//     (the loop's default, adaptive spin: it polls for up to 50 µs
//     before sleeping while replies are due);
//   - eddy-futures-spin: the same on a loop made WithSpin(20µs), which
//     polls for up to 20 µs every time before sleeping;
//   - eddy-futures-locked (only when named in REDISBENCH_IMPLS): the same
//     on a loop made WithLockedThread, which blocks in epoll_wait itself
//     rather than parking in the Go scheduler;
//   - go-redis: goroutines sharing one go-redis client (its connection
//     pool, default size);
//   - rueidis: goroutines sharing one rueidis client (auto-pipelining,
//     client-side caching off).
//
// Environment variables narrow a run and profile it: see envKnobs.
//
// Pinning (RunPinned, which the suite runner uses): redis-server runs on
// the server CPU under taskset, and this process, the client, is bound to
// the load CPU with GOMAXPROCS=1 while it measures, as the Redis issue
// asks. The ceiling of what the server can do is measured the same way
// with `redis-benchmark -P 16` (impl "redis-benchmark-P16", scenarios
// get-ceiling and set-ceiling), when redis-benchmark is installed.
package redisbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/bench/internal/figures"
	"github.com/eddy-go/eddy/bench/internal/srvproc"
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
	// spinFor is how long the eddy-futures-spin loop polls before it
	// sleeps.
	spinFor = 20 * time.Microsecond
	// ceilingOps is the request count of each redis-benchmark run.
	ceilingOps = 1000000
)

var value = "0123456789abcdef" // 16 bytes

// impl runs n operations (GET or SET) by conc callers and returns the
// elapsed time and the latencies, in microseconds.
type impl struct {
	name string
	run  func(set bool, conc, n int) (time.Duration, []float64, error)
}

// Run runs the suite, unpinned, and reports each figure through emit.
func Run(emit func(impl, scenario, metric string, value float64, unit string)) error {
	return RunPinned(-1, nil, emit)
}

// RunPinned runs the suite with redis-server on serverCPU (-1: anywhere)
// and calls pinClient, if not nil, to bind this process to the client's
// CPU for the measurements; pinClient returns the function that undoes it.
func RunPinned(serverCPU int, pinClient func() (restore func(), err error), emit func(impl, scenario, metric string, value float64, unit string)) error {
	knobs, err := readEnv()
	if err != nil {
		return err
	}
	srv, dir, err := startServer(serverCPU)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer srv.Stop()
	addr, pid := srv.Addr, srv.Pid
	if pinClient != nil {
		restore, err := pinClient()
		if err != nil {
			return err
		}
		defer restore()
	}
	if knobs.keep("redis-benchmark-P16") {
		if err := ceiling(addr, emit); err != nil {
			return err
		}
	}
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
	// A second loop that polls for up to spinFor every time before it
	// sleeps (eddy.WithSpin), for comparison with the adaptive default.
	spinLoop, err := eddy.New(eddy.WithKeepAlive(), eddy.WithSpin(spinFor))
	if err != nil {
		return err
	}
	spinRan := make(chan error, 1)
	go func() { spinRan <- spinLoop.Run() }()
	defer func() { spinLoop.Stop(); <-spinRan }()
	es, err := redis.Dial(spinLoop, addr, redis.Options{})
	if err != nil {
		return err
	}
	defer es.Close()
	// Opt-in (named in REDISBENCH_IMPLS): a loop locked to its thread
	// (eddy.WithLockedThread), which blocks in epoll_wait itself instead
	// of parking in the Go scheduler.
	var locked []impl
	if knobs.impls["eddy-futures-locked"] {
		lockLoop, err := eddy.New(eddy.WithKeepAlive(), eddy.WithLockedThread())
		if err != nil {
			return err
		}
		lockRan := make(chan error, 1)
		go func() { lockRan <- lockLoop.Run() }()
		defer func() { lockLoop.Stop(); <-lockRan }()
		el, err := redis.Dial(lockLoop, addr, redis.Options{})
		if err != nil {
			return err
		}
		defer el.Close()
		locked = append(locked, impl{"eddy-futures-locked", eddyFutures(lockLoop, el)})
	}
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
	all := []impl{
		{"eddy-sync", eddySync(ec)},
		{"eddy-futures", eddyFutures(loop, ec)},
		{"eddy-futures-spin", eddyFutures(spinLoop, es)},
		{"go-redis", goRedis(gr)},
		{"rueidis", rueidisRun(rd)},
	}
	all = append(all, locked...)
	var impls []impl
	for _, im := range all {
		if knobs.keep(im.name) {
			impls = append(impls, im)
		}
	}
	stopProfile, err := knobs.startProfile()
	if err != nil {
		return err
	}
	defer stopProfile()

	var figs figures.Set
	cpu := figures.NewCPU(pid)
	for range rounds {
		for _, conc := range concs {
			n := opsByConc[conc]
			for _, set := range []bool{false, true} {
				scenario := fmt.Sprintf("get-c%d", conc)
				if set {
					scenario = fmt.Sprintf("set-c%d", conc)
				}
				for _, im := range impls {
					cpu.Mark()
					d, lat, err := im.run(set, conc, n)
					if err != nil {
						return fmt.Errorf("%s %s: %w", im.name, scenario, err)
					}
					figs.Add(im.name, scenario, "throughput", "ops/s", float64(n)/d.Seconds())
					figs.Add(im.name, scenario, "p99", "us", percentile(lat, 0.99))
					if server, client, ok := cpu.Mark(); ok {
						figs.Add(im.name, scenario, "server-cpu", "us/op", float64(server.Microseconds())/float64(n))
						figs.Add(im.name, scenario, "client-cpu", "us/op", float64(client.Microseconds())/float64(n))
					}
				}
			}
		}
	}
	stopProfile()
	if knobs.spread {
		figs.EmitSpread(emit)
	} else {
		figs.EmitMedians(emit)
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

// startServer runs redis-server on a free loopback port, on cpu (-1:
// anywhere), with no persistence; dir is its working directory, for the
// caller to remove.
func startServer(cpu int) (srv *srvproc.Server, dir string, err error) {
	dir, err = os.MkdirTemp("", "redisbench")
	if err != nil {
		return nil, "", err
	}
	srv, err = srvproc.Start(srvproc.Config{
		Program: "redis-server",
		Args: func(port int) []string {
			return []string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port),
				"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no"}
		},
		CPU:   cpu,
		Ready: ping,
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	return srv, dir, nil
}

// ping succeeds once the server at addr answers PING.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 7)
	if _, err := io.ReadAtLeast(c, buf, 5); err != nil {
		return err
	}
	if !bytes.HasPrefix(buf, []byte("+PONG")) {
		return fmt.Errorf("redisbench: PING answered %q", buf)
	}
	return nil
}

// ceiling reports what redis-server can do with `redis-benchmark -P 16`
// (50 connections, 16-byte values), run from this process's CPUs: the
// ceiling that the clients are measured against. Skipped when
// redis-benchmark is not installed.
func ceiling(addr string, emit func(impl, scenario, metric string, value float64, unit string)) error {
	bin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		return nil
	}
	host, port, _ := net.SplitHostPort(addr)
	n := strconv.Itoa(ceilingOps)
	out, err := exec.Command(bin, "-h", host, "-p", port, "-P", "16", "-c", "50", "-d", "16",
		"-n", n, "-r", "1024", "-t", "get,set", "--csv").Output()
	if err != nil {
		return fmt.Errorf("redisbench: redis-benchmark: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, ",")
		if len(f) < 2 {
			continue
		}
		name := strings.Trim(f[0], `"`)
		rps, err := strconv.ParseFloat(strings.Trim(f[1], `"`), 64)
		if err != nil {
			continue // the header line
		}
		switch name {
		case "GET":
			emit("redis-benchmark-P16", "get-ceiling", "throughput", rps, "ops/s")
		case "SET":
			emit("redis-benchmark-P16", "set-ceiling", "throughput", rps, "ops/s")
		}
	}
	return nil
}
