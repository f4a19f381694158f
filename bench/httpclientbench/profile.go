package httpclientbench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
)

// ProfileEnv, set to a directory, makes the suite write a CPU profile of
// each timed window there, named after the implementation, the scenario
// and the round (eddy-futures-get-c64-1.pprof). The warm-ups are left out.
const ProfileEnv = "EDDY_HTTPCLIENTBENCH_CPUPROFILE"

// startProfile starts the CPU profile of one timed window when ProfileEnv
// is set, and returns the function that stops it. Failures to profile are
// reported on stderr and do not stop the suite.
func startProfile(implName, scenario string, round int) (stop func()) {
	dir := os.Getenv(ProfileEnv)
	if dir == "" {
		return func() {}
	}
	name := fmt.Sprintf("%s-%s-%d.pprof", strings.ReplaceAll(implName, "/", "_"), scenario, round)
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		fmt.Fprintln(os.Stderr, "httpclientbench: profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "httpclientbench: profile:", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
