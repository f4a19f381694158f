package futures

import (
	"flag"
	"testing"
)

// TestRun runs the suite with a tiny benchmark time and checks that every
// implementation reports every scenario's figures.
func TestRun(t *testing.T) {
	if err := flag.Set("test.benchtime", "50x"); err != nil {
		t.Fatal(err)
	}
	seen := map[string]float64{}
	err := Run(func(impl, scenario, metric string, value float64, unit string) {
		seen[impl+"/"+scenario+"/"+metric] = value
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, impl := range []string{"eddy-loop", "eddy-inline", "goroutine-chan"} {
		for _, sc := range []string{"future", "step", "all-1000"} {
			for _, m := range []string{"time", "allocs", "bytes"} {
				if _, ok := seen[impl+"/"+sc+"/"+m]; !ok {
					t.Errorf("missing %s/%s/%s", impl, sc, m)
				}
			}
		}
	}
	if seen["eddy-inline/step/allocs"] > 1 {
		t.Errorf("a step costs %v allocations", seen["eddy-inline/step/allocs"])
	}
}
