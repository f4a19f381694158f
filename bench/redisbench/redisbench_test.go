package redisbench

import (
	"os"
	"os/exec"
	"testing"
)

// TestRunSmoke runs the suite with tiny counts: every implementation and
// scenario must complete and report a positive throughput.
func TestRunSmoke(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil && os.Getenv("EDDY_REQUIRE_SERVERS") != "1" {
		t.Skip("redis-server not installed")
	}
	defer func(o map[int]int, r, c int) { opsByConc, rounds, ceilingOps = o, r, c }(opsByConc, rounds, ceilingOps)
	opsByConc, rounds, ceilingOps = map[int]int{1: 50, 64: 640, 1024: 2048}, 1, 20000
	got := map[string]bool{}
	err := Run(func(impl, scenario, metric string, v float64, unit string) {
		if metric == "throughput" && (unit != "ops/s" || v <= 0) || v < 0 {
			t.Errorf("%s %s: %s = %v %s", impl, scenario, metric, v, unit)
		}
		got[impl+" "+scenario+" "+metric] = true
	})
	if err != nil {
		t.Fatal(err)
	}
	// 5 implementations, 6 scenarios, 4 metrics; and the two ceilings
	// when redis-benchmark is installed.
	want := 120
	if _, err := exec.LookPath("redis-benchmark"); err == nil {
		want += 2
		if !got["redis-benchmark-P16 get-ceiling throughput"] || !got["redis-benchmark-P16 set-ceiling throughput"] {
			t.Error("no redis-benchmark ceiling reported")
		}
	}
	if len(got) != want {
		t.Fatalf("%d figures, want %d", len(got), want)
	}
}
