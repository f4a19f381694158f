package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"github.com/eddy-go/eddy/bench/internal/pin"
	"os"
	"sync"
	"time"

	"github.com/eddy-go/eddy/bench/internal/procfs"
	"github.com/eddy-go/eddy/bench/internal/servers"
	"github.com/eddy-go/eddy/bench/internal/timerload"
)

// readyLine is what the serve subcommand prints on stdout once its
// listening socket exists.
const readyLine = "ready"

// serveMain is the hidden "serve" subcommand: run one echo server until
// killed.
func serveMain(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	impl := fs.String("impl", "", "implementation: std, gnet, nbio or eddy")
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	cpu := fs.Int("cpu", -1, "pin this process to this CPU (when taskset is missing)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := pinSelf(*cpu); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	var once sync.Once
	ready := func() { once.Do(func() { fmt.Println(readyLine) }) }
	err := servers.Serve(*impl, *addr, ready)
	fmt.Fprintf(os.Stderr, "serve %s: %v\n", *impl, err)
	return 1
}

// timersResult is what the "timers" subcommand prints, as one JSON line.
type timersResult struct {
	N           int   `json:"n"`
	ScheduleNS  int64 `json:"schedule_ns"`
	TotalNS     int64 `json:"total_ns"`
	OvershootNS int64 `json:"overshoot_ns"`
	CPUNS       int64 `json:"cpu_ns"`
	HWMBytes    int64 `json:"hwm_bytes"`
}

// timersMain is the hidden "timers" subcommand: run the timer workload
// once and print its figures, including this process's peak RSS.
func timersMain(args []string) int {
	fs := flag.NewFlagSet("timers", flag.ContinueOnError)
	impl := fs.String("impl", "", "implementation: std or eddy")
	n := fs.Int("n", 1_000_000, "number of timers")
	maxDelay := fs.Duration("max", time.Second, "largest delay")
	seed := fs.Uint64("seed", 1, "seed of the delays")
	cpu := fs.Int("cpu", -1, "pin this process to this CPU (when taskset is missing)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := pinSelf(*cpu); err != nil {
		fmt.Fprintln(os.Stderr, "timers:", err)
		return 1
	}
	run := map[string]func(timerload.Config) (timerload.Result, error){
		"std":  timerload.RunStd,
		"eddy": timerload.RunEddy,
	}[*impl]
	if run == nil {
		fmt.Fprintf(os.Stderr, "timers: unknown implementation %q\n", *impl)
		return 2
	}
	res, err := run(timerload.Config{N: *n, MaxDelay: *maxDelay, Seed: *seed})
	if err != nil {
		fmt.Fprintln(os.Stderr, "timers:", err)
		return 1
	}
	mem, err := procfs.ReadMemory(os.Getpid())
	if err != nil {
		fmt.Fprintln(os.Stderr, "timers:", err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(timersResult{
		N:           res.N,
		ScheduleNS:  res.Schedule.Nanoseconds(),
		TotalNS:     res.Total.Nanoseconds(),
		OvershootNS: res.Overshoot.Nanoseconds(),
		CPUNS:       res.CPU.Nanoseconds(),
		HWMBytes:    mem.HWM,
	})
	return 0
}

// pinSelf pins this process to cpu, unless cpu is negative.
func pinSelf(cpu int) error {
	if cpu < 0 {
		return nil
	}
	return pin.Process(cpu)
}
