package httpbench

import (
	"context"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/eddy-go/eddy/bench/internal/procfs"
)

// sample is the outcome of one timed window against one server.
type sample struct {
	rate float64 // requests per second
	cpu  float64 // server CPU µs per request
	user float64 // the user-mode part of cpu
	sys  float64 // the kernel-mode part of cpu
}

// newSample makes the sample of n requests served at rate, between the
// server's CPU times st0 and st1.
func newSample(rate float64, n int64, st0, st1 procfs.Stat) sample {
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	return sample{
		rate: rate,
		cpu:  per(st1.CPU() - st0.CPU()),
		user: per(st1.User() - st0.User()),
		sys:  per(st1.System() - st0.System()),
	}
}

// measureWrk runs wrk against srv for sc: a warm-up of warmup (none if
// zero), then the timed window of dur (whole seconds, at least one),
// with the server's CPU time read just before and just after it.
func measureWrk(wrk, script string, srv *server, sc Scenario, warmup, dur time.Duration) (sample, error) {
	url := "http://" + srv.addr + sc.Path
	args := func(d time.Duration) []string {
		a := []string{"-t1", "-c", strconv.Itoa(sc.Conns), "-d", wrkSeconds(d), "--timeout", "10s", url}
		if sc.Pipeline > 1 {
			a = append(a, "-s", script, "--", strconv.Itoa(sc.Pipeline))
		}
		return a
	}
	run := func(d time.Duration) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
		defer cancel()
		out, err := pinned(ctx, loadCPU, wrk, args(d)...).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("wrk: %v: %s", err, out)
		}
		return string(out), nil
	}
	if warmup > 0 {
		if _, err := run(warmup); err != nil {
			return sample{}, err
		}
	}
	st0, err := procfs.ReadStat(srv.pid())
	if err != nil {
		return sample{}, err
	}
	out, err := run(dur)
	if err != nil {
		return sample{}, err
	}
	st1, err := procfs.ReadStat(srv.pid())
	if err != nil {
		return sample{}, err
	}
	if err := srv.alive(); err != nil {
		return sample{}, err
	}
	res, err := parseWrk(out)
	if err != nil {
		return sample{}, err
	}
	if res.socketErrs != "" {
		fmt.Fprintf(os.Stderr, "http %s %s: wrk socket errors: %s\n", sc.Name, srv.impl, res.socketErrs)
	}
	return newSample(res.rate, res.requests, st0, st1), nil
}

// wrkSeconds formats d for wrk's -d, which takes whole seconds.
func wrkSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))) + "s"
}

// wrkResult is what the suite reads from wrk's report.
type wrkResult struct {
	requests   int64
	rate       float64
	socketErrs string // wrk's "Socket errors" line, if any
}

var (
	reTotal   = regexp.MustCompile(`(\d+) requests in`)
	reRate    = regexp.MustCompile(`Requests/sec:\s+([0-9]+(?:\.[0-9]+)?)`)
	reErrs    = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSockets = regexp.MustCompile(`Socket errors: ([^\n]*)`)
)

// parseWrk reads the request count and rate from wrk's output. Error
// responses, or no request at all, are errors wrapping ErrWrkOutput.
func parseWrk(s string) (wrkResult, error) {
	m1, m2 := reTotal.FindStringSubmatch(s), reRate.FindStringSubmatch(s)
	if m1 == nil || m2 == nil {
		return wrkResult{}, fmt.Errorf("%w: %.200q", ErrWrkOutput, s)
	}
	if m := reErrs.FindStringSubmatch(s); m != nil {
		return wrkResult{}, fmt.Errorf("%w: %s error responses", ErrWrkOutput, m[1])
	}
	n, err1 := strconv.ParseInt(m1[1], 10, 64)
	r, err2 := strconv.ParseFloat(m2[1], 64)
	if err1 != nil || err2 != nil {
		return wrkResult{}, fmt.Errorf("%w: %v %v", ErrWrkOutput, err1, err2)
	}
	if n <= 0 {
		return wrkResult{}, fmt.Errorf("%w: no requests completed", ErrWrkOutput)
	}
	res := wrkResult{requests: n, rate: r}
	if m := reSockets.FindStringSubmatch(s); m != nil {
		res.socketErrs = m[1]
	}
	return res, nil
}
