package beanstalkbench

import (
	"os"
	"os/exec"
	"testing"
)

// TestRunSmoke runs the suite with tiny counts: every implementation and
// scenario must complete and report a positive throughput.
func TestRunSmoke(t *testing.T) {
	if _, err := exec.LookPath("beanstalkd"); err != nil && os.Getenv("EDDY_REQUIRE_SERVERS") != "1" {
		t.Skip("beanstalkd not installed")
	}
	defer func(a, b, r int) { opsC1, opsC64, rounds = a, b, r }(opsC1, opsC64, rounds)
	opsC1, opsC64, rounds = 50, 640, 1
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
	if len(got) != 36 {
		t.Fatalf("%d figures, want 36: %v", len(got), got)
	}
}
