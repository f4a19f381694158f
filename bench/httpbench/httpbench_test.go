package httpbench

import (
	"os"
	"testing"
)

func TestParseWrk(t *testing.T) {
	out := "Running 1s test @ http://x\n  1 threads and 50 connections\n  12345 requests in 1.00s, 1.5MB read\nRequests/sec:  12340.50\n"
	n, r, err := parseWrk(out)
	if err != nil || n != 12345 || r != 12340.50 {
		t.Fatalf("%d %v %v", n, r, err)
	}
	if _, _, err := parseWrk(out + "  Non-2xx or 3xx responses: 3\n"); err == nil {
		t.Fatal("error responses accepted")
	}
	if _, _, err := parseWrk("garbage"); err == nil {
		t.Fatal("garbage accepted")
	}
}

// TestRun runs the whole suite; it takes minutes, so only on request:
// EDDY_HTTPBENCH_RUN=1 go test -run TestRun -v ./httpbench
func TestRun(t *testing.T) {
	if os.Getenv("EDDY_HTTPBENCH_RUN") == "" {
		t.Skip("set EDDY_HTTPBENCH_RUN=1 to run the suite")
	}
	err := Run(func(impl, scenario, metric string, value float64, unit string) {
		t.Logf("%-8s %-26s %-10s %12.2f %s", impl, scenario, metric, value, unit)
	})
	if err != nil {
		t.Fatal(err)
	}
}
