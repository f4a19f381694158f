package futures

import (
	"flag"
	"testing"
)

// TestRun runs the suite with a tiny benchmark time and checks that every
// implementation reports every scenario's figures, and the allocation
// targets: one allocation per future and per step.
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
			metrics := []string{"time", "allocs", "bytes"}
			if impl != baseline {
				metrics = append(metrics, "speedup")
			}
			for _, m := range metrics {
				if _, ok := seen[impl+"/"+sc+"/"+m]; !ok {
					t.Errorf("missing %s/%s/%s", impl, sc, m)
				}
			}
		}
	}
	// A future consumed by one step is two objects: the future and the
	// step (which holds its output future).
	for key, max := range map[string]float64{
		"eddy-inline/step/allocs":   1,
		"eddy-inline/future/allocs": 2,
	} {
		if seen[key] > max {
			t.Errorf("%s = %v, want at most %v", key, seen[key], max)
		}
	}
}
