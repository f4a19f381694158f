package tlsbench

import "testing"

// TestRun runs the suite once and checks that every figure came out.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite")
	}
	got := map[string]float64{}
	err := Run(func(impl, scenario, metric string, value float64, unit string) {
		t.Logf("%s %s %s: %.1f %s", impl, scenario, metric, value, unit)
		got[impl+" "+scenario] = value
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, impl := range []string{implEddy, implStd} {
		for _, sc := range []string{scenarioHS, scenarioEcho} {
			if got[impl+" "+sc] <= 0 {
				t.Errorf("no figure for %s %s", impl, sc)
			}
		}
	}
}
