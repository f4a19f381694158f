package httpbench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-go/eddy/bench/internal/procfs"
	"github.com/eddy-go/eddy/bench/internal/stats"
)

// Environment variables read by OptionsFromEnv.
const (
	// DurationEnv sets the timed window of each run (default 5s; wrk
	// rounds it up to whole seconds).
	DurationEnv = "EDDY_HTTPBENCH_DURATION"
	// RunsEnv sets the number of runs per implementation (default 3).
	RunsEnv = "EDDY_HTTPBENCH_RUNS"
	// ImplEnv selects implementations, comma-separated (default all).
	ImplEnv = "EDDY_HTTPBENCH_IMPL"
	// ScenarioEnv selects scenarios by name, comma-separated (default
	// all).
	ScenarioEnv = "EDDY_HTTPBENCH_SCENARIO"
	// ShortEnv, when "1" or "true", selects the short mode.
	ShortEnv = "EDDY_HTTPBENCH_SHORT"
	// ProfileDirEnv names a directory where each Go server writes a CPU
	// profile of every run.
	ProfileDirEnv = "EDDY_HTTPBENCH_PROFILE"
)

// Options configures RunWith. The zero value runs the full suite.
type Options struct {
	// Impls selects implementations (default: all of Impls).
	Impls []string
	// Scenarios selects scenarios by name (default: all of Scenarios).
	Scenarios []string
	// Runs is the number of runs per implementation and scenario
	// (default 3; 1 in short mode).
	Runs int
	// Duration is the timed window of each run (default 5s; 100ms in
	// short mode).
	Duration time.Duration
	// Warmup is the wrk run before each timed window (default 1s; none
	// in short mode). Negative means none.
	Warmup time.Duration
	// Short checks every response, then loads each server with a Go
	// client instead of wrk, one server per implementation: a smoke
	// test that takes a few seconds.
	Short bool
	// ProfileDir, if set, is where each Go server writes a CPU profile
	// of its run, named impl-scenario-N.pprof. It slows the server.
	ProfileDir string
	// Log receives progress lines (default os.Stderr).
	Log io.Writer
}

// OptionsFromEnv returns the options set by the environment variables
// DurationEnv, RunsEnv, ImplEnv, ScenarioEnv, ShortEnv and
// ProfileDirEnv. Values that do not parse are ignored.
func OptionsFromEnv() Options {
	var o Options
	if d, err := time.ParseDuration(os.Getenv(DurationEnv)); err == nil && d > 0 {
		o.Duration = d
	}
	if n, err := strconv.Atoi(os.Getenv(RunsEnv)); err == nil && n > 0 {
		o.Runs = n
	}
	o.Impls = splitList(os.Getenv(ImplEnv))
	o.Scenarios = splitList(os.Getenv(ScenarioEnv))
	o.Short, _ = strconv.ParseBool(os.Getenv(ShortEnv))
	o.ProfileDir = os.Getenv(ProfileDirEnv)
	return o
}

func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// withDefaults fills in the defaults and checks the selections.
func (o Options) withDefaults() (Options, []Scenario, error) {
	if len(o.Impls) == 0 {
		o.Impls = Impls
	}
	for _, impl := range o.Impls {
		if !slices.Contains(Impls, impl) {
			return o, nil, fmt.Errorf("%w: %q (have %s)", ErrUnknownImpl, impl, strings.Join(Impls, ", "))
		}
	}
	scs := Scenarios
	if len(o.Scenarios) > 0 {
		scs = nil
		for _, name := range o.Scenarios {
			i := slices.IndexFunc(Scenarios, func(sc Scenario) bool { return sc.Name == name })
			if i < 0 {
				return o, nil, fmt.Errorf("httpbench: unknown scenario %q", name)
			}
			scs = append(scs, Scenarios[i])
		}
	}
	if o.Runs <= 0 {
		o.Runs = 3
		if o.Short {
			o.Runs = 1
		}
	}
	if o.Duration <= 0 {
		o.Duration = 5 * time.Second
		if o.Short {
			o.Duration = 100 * time.Millisecond
		}
	}
	if o.Warmup == 0 && !o.Short {
		o.Warmup = time.Second
	}
	if o.Warmup < 0 || o.Short {
		o.Warmup = 0
	}
	if o.Log == nil {
		o.Log = os.Stderr
	}
	return o, scs, nil
}

// EmitRuns receives the values of every run of one figure, the runs in
// the order they were made.
type EmitRuns func(impl, scenario, metric, unit string, runs []float64)

// Run runs the suite with OptionsFromEnv. For each implementation,
// scenario and metric ("throughput" in req/s; "server_cpu" in µs/req,
// and its user-mode and kernel-mode parts "server_user" and
// "server_sys") it reports the median of the runs through emit, then the
// minimum and maximum as the metrics "throughput_min", "throughput_max",
// "server_cpu_min", "server_cpu_max" and so on.
func Run(emit func(impl, scenario, metric string, value float64, unit string)) error {
	return RunWith(OptionsFromEnv(), func(impl, scenario, metric, unit string, runs []float64) {
		s := stats.Summarize(runs)
		if s.Runs == 0 {
			return
		}
		emit(impl, scenario, metric, s.Median, unit)
		emit(impl, scenario, metric+"_min", s.Min, unit)
		emit(impl, scenario, metric+"_max", s.Max, unit)
	})
}

// RunWith runs the suite as opt says and reports, for each
// implementation, scenario and metric, the values of all runs through
// emit. A failed run is left out and its error returned, joined with the
// others, once the suite is done; an implementation that skips a
// scenario says why on opt.Log.
func RunWith(opt Options, emit EmitRuns) error {
	opt, scs, err := opt.withDefaults()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "httpbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	script, err := writeFixtures(dir)
	if err != nil {
		return err
	}
	if opt.ProfileDir != "" {
		if err := os.MkdirAll(opt.ProfileDir, 0o755); err != nil {
			return err
		}
	}
	if opt.Short {
		return runShort(opt, scs, dir, emit)
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return ErrNoWrk
	}
	var errs []error
	for _, sc := range scs {
		rate := map[string][]float64{}
		cpu := map[string][]float64{}
		user := map[string][]float64{}
		sys := map[string][]float64{}
		for run := 1; run <= opt.Runs; run++ {
			for _, impl := range opt.Impls {
				if ok, why := supports(impl, sc); !ok {
					if run == 1 {
						fmt.Fprintf(opt.Log, "http %s %s: skipped: %s\n", sc.Name, impl, why)
					}
					continue
				}
				s, err := runOnce(opt, wrk, script, dir, impl, sc, run)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s %s run %d: %w", impl, sc.Name, run, err))
					fmt.Fprintf(opt.Log, "http %s %s run %d: %v\n", sc.Name, impl, run, err)
					continue
				}
				fmt.Fprintf(opt.Log, "http %s %s run %d: %.0f req/s, %.2f µs/req server CPU (user %.2f, kernel %.2f)\n", sc.Name, impl, run, s.rate, s.cpu, s.user, s.sys)
				rate[impl] = append(rate[impl], s.rate)
				cpu[impl] = append(cpu[impl], s.cpu)
				user[impl] = append(user[impl], s.user)
				sys[impl] = append(sys[impl], s.sys)
			}
		}
		for _, impl := range opt.Impls {
			if len(rate[impl]) > 0 {
				emit(impl, sc.Name, "throughput", "req/s", rate[impl])
				emit(impl, sc.Name, "server_cpu", "µs/req", cpu[impl])
				emit(impl, sc.Name, "server_user", "µs/req", user[impl])
				emit(impl, sc.Name, "server_sys", "µs/req", sys[impl])
			}
		}
	}
	return errors.Join(errs...)
}

// runOnce starts a fresh server and measures it under wrk.
func runOnce(opt Options, wrk, script, root, impl string, sc Scenario, run int) (sample, error) {
	srv, err := startServer(impl, root, profileName(opt, impl, sc, run))
	if err != nil {
		return sample{}, err
	}
	defer srv.stop()
	return measureWrk(wrk, script, srv, sc, opt.Warmup, opt.Duration)
}

// profileName is where impl's server writes its CPU profile of a run,
// or "" when not profiling.
func profileName(opt Options, impl string, sc Scenario, run int) string {
	if opt.ProfileDir == "" || impl == "nginx" {
		return ""
	}
	return filepath.Join(opt.ProfileDir, fmt.Sprintf("%s-%s-%d.pprof", impl, sc.Name, run))
}

// runShort starts one server per implementation, checks its response in
// every scenario and loads it briefly with the Go client.
func runShort(opt Options, scs []Scenario, root string, emit EmitRuns) error {
	var errs []error
	for _, impl := range opt.Impls {
		if impl == "nginx" {
			if _, err := exec.LookPath(nginxBinary); err != nil {
				fmt.Fprintf(opt.Log, "http %s: skipped: %v\n", impl, ErrNoNginx)
				continue
			}
		}
		srv, err := startServer(impl, root, profileName(opt, impl, Scenario{Name: "short"}, 1))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", impl, err))
			continue
		}
		for _, sc := range scs {
			if ok, why := supports(impl, sc); !ok {
				fmt.Fprintf(opt.Log, "http %s %s: skipped: %s\n", sc.Name, impl, why)
				continue
			}
			s, err := shortOnce(opt, srv, sc)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", impl, sc.Name, err))
				continue
			}
			emit(impl, sc.Name, "throughput", "req/s", []float64{s.rate})
			emit(impl, sc.Name, "server_cpu", "µs/req", []float64{s.cpu})
			emit(impl, sc.Name, "server_user", "µs/req", []float64{s.user})
			emit(impl, sc.Name, "server_sys", "µs/req", []float64{s.sys})
		}
		srv.stop()
	}
	return errors.Join(errs...)
}

// shortOnce checks srv's responses for sc, then loads it with a few
// connections of the Go client for opt.Duration.
func shortOnce(opt Options, srv *server, sc Scenario) (sample, error) {
	if err := checkScenario(srv.addr, sc); err != nil {
		return sample{}, err
	}
	st0, err := procfs.ReadStat(srv.pid())
	if err != nil {
		return sample{}, err
	}
	start := time.Now()
	n, err := loadGo(srv.addr, sc, min(sc.Conns, 4), opt.Duration)
	if err != nil {
		return sample{}, err
	}
	elapsed := time.Since(start)
	st1, err := procfs.ReadStat(srv.pid())
	if err != nil {
		return sample{}, err
	}
	if n == 0 {
		return sample{}, fmt.Errorf("%w: no response in %v", ErrBadResponse, opt.Duration)
	}
	return newSample(float64(n)/elapsed.Seconds(), int64(n), st0, st1), srv.alive()
}
