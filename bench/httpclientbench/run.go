package httpclientbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/bench/internal/figures"
	"github.com/eddy-go/eddy/httpclient"
	"github.com/valyala/fasthttp"
)

// ShortEnv, set to "1", makes the suite quick: a tenth of the requests
// and one round.
const ShortEnv = "EDDY_HTTPCLIENTBENCH_SHORT"

// Requests per measurement, by concurrency, and rounds. Variables so that
// the smoke test can shrink them.
var (
	reqsByConc = map[int]int{1: 10_000, 64: 50_000, 1024: 50_000}
	concs      = []int{1, 64, 1024}
	rounds     = 3
)

// maxIdle is every client's per-host connection bound.
const maxIdle = 2048

// runner makes n requests with conc in flight and returns the time taken.
type runner func(ctx context.Context, conc, n int) (time.Duration, error)

type impl struct {
	name string
	run  runner
}

// Run runs the suite and reports each figure through emit: the median of
// the rounds, and its minimum and maximum as metric_min and metric_max.
func Run(emit func(impl, scenario, metric string, value float64, unit string)) error {
	scale, nrounds := 1, rounds
	if os.Getenv(ShortEnv) == "1" {
		scale, nrounds = 10, 1
	}
	srv, err := startNginx()
	if err != nil {
		return err
	}
	defer srv.stop()
	restore := pinClient()
	defer restore()

	loop, err := eddy.New(eddy.WithKeepAlive())
	if err != nil {
		return err
	}
	ran := make(chan error, 1)
	go func() { ran <- loop.Run() }()
	defer func() { loop.Stop(); <-ran }()

	u, err := url.Parse(srv.url)
	if err != nil {
		return err
	}
	ef := &httpclient.Client{Loop: loop, MaxIdlePerHost: maxIdle, DisableCompression: true}
	ed := &httpclient.Client{Loop: loop, MaxIdlePerHost: maxIdle, DisableCompression: true}
	defer ef.CloseIdleConnections()
	defer ed.CloseIdleConnections()
	tr := &http.Transport{MaxIdleConns: maxIdle, MaxIdleConnsPerHost: maxIdle, DisableCompression: true}
	defer tr.CloseIdleConnections()
	fc := &fasthttp.Client{MaxConnsPerHost: maxIdle}
	defer fc.CloseIdleConnections()
	impls := []impl{
		{"eddy-futures", eddyFutures(loop, ef, u)},
		{"eddy-do", eddyDo(ed, srv.url)},
		{"net/http", stdClient(&http.Client{Transport: tr}, srv.url)},
		{"fasthttp", fastClient(fc, srv.url)},
	}

	var figs figures.Set
	warmed := map[string]int{}
	for round := range nrounds {
		for _, conc := range concs {
			n := max(reqsByConc[conc]/scale, conc)
			scenario := fmt.Sprintf("get-c%d", conc)
			for _, im := range impls {
				ctx, cancel := deadline()
				if warmed[im.name] < conc {
					// Open the connections before timing.
					if _, err := im.run(ctx, conc, 2*conc); err != nil {
						cancel()
						return fmt.Errorf("%s %s warm-up: %w", im.name, scenario, err)
					}
					warmed[im.name] = conc
				}
				stop := startProfile(im.name, scenario, round+1)
				cpu := cpuTime()
				d, err := im.run(ctx, conc, n)
				cpu = cpuTime() - cpu
				stop()
				cancel()
				if err != nil {
					return fmt.Errorf("%s %s: %w", im.name, scenario, err)
				}
				figs.Add(im.name, scenario, "throughput", "req/s", float64(n)/d.Seconds())
				figs.Add(im.name, scenario, "client_cpu", "µs/req", cpu/float64(n))
			}
		}
	}
	figs.EmitSpread(emit)
	return nil
}

// split runs fn on conc goroutines sharing n requests and times them.
func split(ctx context.Context, conc, n int, fn func() error) (time.Duration, error) {
	var wg sync.WaitGroup
	errs := make([]error, conc)
	start := time.Now()
	for g := range conc {
		ops := n / conc
		if g < n%conc {
			ops++
		}
		wg.Go(func() {
			for range ops {
				if err := ctx.Err(); err != nil {
					errs[g] = fmt.Errorf("%w: %w", ErrTooSlow, err)
					return
				}
				if err := fn(); err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), errors.Join(errs...)
}

func check(status int, b []byte) error {
	if status != 200 || string(b) != body {
		return fmt.Errorf("%w: %d %q", ErrBadResponse, status, b)
	}
	return nil
}

func eddyFutures(loop *eddy.Loop, c *httpclient.Client, u *url.URL) runner {
	return func(ctx context.Context, conc, n int) (time.Duration, error) {
		done := make(chan error, 1)
		var started, finished int
		failed := false
		fail := func(err error) {
			if !failed {
				failed = true
				done <- err
			}
		}
		var next func()
		next = func() {
			started++
			c.Send(&httpclient.Request{URL: u}).OnSettle(func(r *httpclient.Response, err error) {
				finished++
				if err == nil {
					err = check(r.Status, r.Body)
				}
				if err != nil {
					fail(err)
					return
				}
				if failed {
					return
				}
				if started < n {
					next()
				} else if finished == n {
					done <- nil
				}
			})
		}
		start := time.Now()
		if err := loop.Post(func() {
			for range min(conc, n) {
				next()
			}
		}); err != nil {
			return 0, err
		}
		select {
		case err := <-done:
			return time.Since(start), err
		case <-ctx.Done():
			loop.Post(func() { fail(ctx.Err()) })
			return 0, fmt.Errorf("%w: %w", ErrTooSlow, ctx.Err())
		}
	}
}

func eddyDo(c *httpclient.Client, target string) runner {
	return func(ctx context.Context, conc, n int) (time.Duration, error) {
		return split(ctx, conc, n, func() error {
			req, err := http.NewRequestWithContext(ctx, "GET", target, nil)
			if err != nil {
				return err
			}
			resp, err := c.Do(req)
			if err != nil {
				return err
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			return check(resp.StatusCode, b)
		})
	}
}

func stdClient(c *http.Client, target string) runner {
	return func(ctx context.Context, conc, n int) (time.Duration, error) {
		return split(ctx, conc, n, func() error {
			req, err := http.NewRequestWithContext(ctx, "GET", target, nil)
			if err != nil {
				return err
			}
			resp, err := c.Do(req)
			if err != nil {
				return err
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			return check(resp.StatusCode, b)
		})
	}
}

func fastClient(c *fasthttp.Client, target string) runner {
	return func(ctx context.Context, conc, n int) (time.Duration, error) {
		return split(ctx, conc, n, func() error {
			req := fasthttp.AcquireRequest()
			resp := fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(target)
			if err := c.DoTimeout(req, resp, 30*time.Second); err != nil {
				return err
			}
			return check(resp.StatusCode(), resp.Body())
		})
	}
}

// deadline bounds one measurement.
func deadline() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Minute)
}
