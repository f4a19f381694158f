package httpclientbench

import (
	"os"
	"os/exec"
	"testing"
)

// TestRunSmoke runs the suite with tiny counts: every implementation and
// scenario must complete and report a positive throughput.
func TestRunSmoke(t *testing.T) {
	if _, err := os.Stat("/usr/sbin/nginx"); err != nil {
		if _, err := exec.LookPath("nginx"); err != nil && os.Getenv("EDDY_REQUIRE_SERVERS") != "1" {
			t.Skip("nginx not installed (apt-get install nginx)")
		}
	}
	defer func(o map[int]int, c []int, r int) { reqsByConc, concs, rounds = o, c, r }(reqsByConc, concs, rounds)
	reqsByConc, concs, rounds = map[int]int{1: 20, 64: 128, 256: 512}, []int{1, 64, 256}, 1
	got := map[string]bool{}
	err := Run(func(impl, scenario, metric string, v float64, unit string) {
		if metric == "throughput" && (unit != "req/s" || v <= 0) || v < 0 {
			t.Errorf("%s %s: %s = %v %s", impl, scenario, metric, v, unit)
		}
		got[impl+" "+scenario+" "+metric] = true
	})
	if err != nil {
		t.Fatal(err)
	}
	// 4 implementations, 3 scenarios, 2 metrics with min and max.
	if len(got) != 72 {
		t.Fatalf("%d figures, want 72", len(got))
	}
}
