package redisbench

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
)

// Environment knobs, for focused runs and profiles (all optional):
//
//   - REDISBENCH_IMPLS: comma-separated implementations to run (default
//     all), such as "eddy-futures,rueidis";
//   - REDISBENCH_CONCS: comma-separated concurrencies (default 1,64,1024);
//   - REDISBENCH_OPS: operation counts by concurrency, as "1:20000,64:60000";
//   - REDISBENCH_ROUNDS: number of interleaved rounds (default 3);
//   - REDISBENCH_SPREAD=1: report each figure's minimum and maximum too
//     (metrics "<metric>_min" and "<metric>_max");
//   - REDISBENCH_CPUPROFILE: a file to write a CPU profile of the
//     measurements to (use with REDISBENCH_IMPLS to profile one client).
type envKnobs struct {
	impls   map[string]bool
	spread  bool
	profile string
}

// readEnv applies the knobs to the suite's variables and returns the
// others.
func readEnv() (envKnobs, error) {
	var k envKnobs
	if v := os.Getenv("REDISBENCH_IMPLS"); v != "" {
		k.impls = map[string]bool{}
		for _, s := range strings.Split(v, ",") {
			k.impls[strings.TrimSpace(s)] = true
		}
	}
	if v := os.Getenv("REDISBENCH_CONCS"); v != "" {
		var cs []int
		for _, s := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n <= 0 {
				return k, fmt.Errorf("redisbench: REDISBENCH_CONCS: bad %q", s)
			}
			cs = append(cs, n)
		}
		concs = cs
	}
	if v := os.Getenv("REDISBENCH_OPS"); v != "" {
		ops := map[int]int{}
		for c, n := range opsByConc {
			ops[c] = n
		}
		for _, s := range strings.Split(v, ",") {
			cs, ns, ok := strings.Cut(strings.TrimSpace(s), ":")
			c, err1 := strconv.Atoi(cs)
			n, err2 := strconv.Atoi(ns)
			if !ok || err1 != nil || err2 != nil || c <= 0 || n <= 0 {
				return k, fmt.Errorf("redisbench: REDISBENCH_OPS: bad %q", s)
			}
			ops[c] = n
		}
		opsByConc = ops
	}
	for _, c := range concs {
		if opsByConc[c] <= 0 {
			opsByConc[c] = 100 * c
		}
	}
	if v := os.Getenv("REDISBENCH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return k, fmt.Errorf("redisbench: REDISBENCH_ROUNDS: bad %q", v)
		}
		rounds = n
	}
	k.spread = os.Getenv("REDISBENCH_SPREAD") == "1"
	k.profile = os.Getenv("REDISBENCH_CPUPROFILE")
	return k, nil
}

// keep reports whether the implementation name is to run.
func (k envKnobs) keep(name string) bool { return k.impls == nil || k.impls[name] }

// startProfile starts the CPU profile, if asked, and returns its stop.
func (k envKnobs) startProfile() (stop func(), err error) {
	if k.profile == "" {
		return func() {}, nil
	}
	f, err := os.Create(k.profile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return sync.OnceFunc(func() { pprof.StopCPUProfile(); f.Close() }), nil
}
