package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/eddy-go/eddy/bench/internal/pin"
	"os"
	"slices"
	"strings"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "serve":
			os.Exit(serveMain(os.Args[2:]))
		case "timers":
			os.Exit(timersMain(os.Args[2:]))
		}
	}
	os.Exit(benchMain(os.Args[1:]))
}

// benchMain parses the runner's flags and runs the chosen suites.
func benchMain(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	suite := fs.String("suite", "", "suite to run, a comma-separated list, or all: "+strings.Join(suiteOrder(), ", ")+
		"; not in all: echo-wine (echo with std and eddy built for Windows, the servers under Wine; make wine installs it)")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON object per figure instead of a table")
	fs.DurationVar(&cfg.duration, "duration", 3*time.Second, "echo: measurement window of each run")
	fs.IntVar(&cfg.runs, "runs", 3, "runs per implementation (interleaved); the median is reported")
	impl := fs.String("impl", "", "comma-separated implementations to run (default all)")
	fs.DurationVar(&cfg.settle, "settle", time.Second, "idle: wait before each RSS sample")
	idle := fs.String("idle-conns", "10000,19000", "idle: comma-separated connection counts")
	fs.IntVar(&cfg.timers, "timers", 1_000_000, "timers: number of timers per run")
	fs.DurationVar(&cfg.timerMax, "timer-max", time.Second, "timers: delays are drawn from [0, timer-max)")
	fs.BoolVar(&cfg.pin, "pin", true, "pin the load generator and the server to separate CPUs")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	if cfg.idleN, err = parseInts(*idle); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg.impls = parseList(*impl)
	if cfg.runs <= 0 || cfg.duration <= 0 || cfg.timers <= 0 || cfg.timerMax <= 0 {
		fmt.Fprintln(os.Stderr, "bench: -runs, -duration, -timers and -timer-max must be positive")
		return 2
	}
	names := parseList(*suite)
	if len(names) == 1 && names[0] == "all" {
		names = suiteOrder()
	}
	if len(names) == 0 {
		fmt.Fprintf(os.Stderr, "bench: -suite is required: all or one of %s\n", strings.Join(suiteOrder(), ", "))
		return 2
	}
	for _, n := range names {
		if suites[n] == nil {
			fmt.Fprintf(os.Stderr, "bench: unknown suite %q (have %s)\n", n, strings.Join(suiteOrder(), ", "))
			return 2
		}
	}
	if cfg.pin {
		if err := setupPinning(); err != nil {
			fmt.Fprintln(os.Stderr, "bench: not pinning:", err)
		}
	}

	rep = &reporter{w: os.Stdout, json: cfg.json}
	var errs []error
	for _, n := range names {
		start := time.Now()
		rep.begin(n)
		err := suites[n](rep.emit)
		rep.end()
		if err != nil {
			errs = append(errs, fmt.Errorf("suite %s: %w", n, err))
			fmt.Fprintf(os.Stderr, "bench: suite %s failed after %v: %v\n", n, time.Since(start).Round(time.Second), err)
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: suite %s done in %v\n", n, time.Since(start).Round(time.Second))
	}
	if len(errs) > 0 {
		return 1
	}
	return 0
}

// setupPinning picks the load generator's CPU and the server's CPU from
// those this process may use. Suites that generate load pin this process
// with pinLoad while they run.
func setupPinning() error {
	cpus, err := pin.Allowed()
	if err != nil {
		return err
	}
	if len(cpus) < 2 {
		return errors.New("fewer than two CPUs available")
	}
	cfg.allCPUs = cpus
	cfg.loadCPU, cfg.servCPU = cpus[0], cpus[1]
	return nil
}

// pinLoad binds every thread of this process to the load generator's CPU
// and sets GOMAXPROCS to 1, so that the load generator and the runtime's
// own threads stay off the server's CPU. The returned function restores
// the previous CPUs and GOMAXPROCS, so that suites running in this process
// afterwards (futures) see the machine as usual. Without pinning it does
// nothing.
func pinLoad() (restore func(), err error) {
	if cfg.loadCPU < 0 {
		return func() {}, nil
	}
	return pin.Load(cfg.loadCPU)
}

// progress prints a line about the running suite to stderr.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// implNames returns the selected implementations among all, failing when
// -impl left none.
func implNames(all []string) ([]string, error) {
	got := cfg.selected(all)
	if len(got) == 0 {
		return nil, fmt.Errorf("no implementation selected among %s", strings.Join(all, ", "))
	}
	return slices.Clip(got), nil
}
