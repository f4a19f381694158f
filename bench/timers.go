package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// timersSuite schedules many timers with random delays below -timer-max,
// in a child process per run so that the peak RSS is the run's own, and
// reports CPU and wall time per timer and the peak RSS.
func timersSuite(emit Emit) error {
	impls, err := implNames([]string{"std", "eddy"})
	if err != nil {
		return err
	}
	scenario := fmt.Sprintf("%dtimers-%v", cfg.timers, cfg.timerMax)
	figures := map[string]map[string][]float64{}
	var errs []error
	for run := 1; run <= cfg.runs; run++ {
		for _, impl := range impls {
			r, err := timersRun(impl)
			if err != nil {
				progress("timers %s run %d/%d: %v", impl, run, cfg.runs, err)
				errs = append(errs, fmt.Errorf("%s: %w", impl, err))
				continue
			}
			if r.N != cfg.timers {
				errs = append(errs, fmt.Errorf("%s: %d of %d timers fired", impl, r.N, cfg.timers))
				continue
			}
			n := float64(r.N)
			f := figures[impl]
			if f == nil {
				f = map[string][]float64{}
				figures[impl] = f
			}
			f["cpu"] = append(f["cpu"], round1(float64(r.CPUNS)/n))
			f["schedule"] = append(f["schedule"], round1(float64(r.ScheduleNS)/n))
			f["peak_rss"] = append(f["peak_rss"], round1(float64(r.HWMBytes)/(1<<20)))
			f["overshoot"] = append(f["overshoot"], round1(float64(r.OvershootNS)/1e6))
			progress("timers %s run %d/%d: %.0f ns/timer CPU, %.0f ns/timer to schedule, peak RSS %.1f MB, last fired %.1f ms late",
				impl, run, cfg.runs, float64(r.CPUNS)/n, float64(r.ScheduleNS)/n, float64(r.HWMBytes)/(1<<20), float64(r.OvershootNS)/1e6)
		}
	}
	label := map[string]string{"std": "std-AfterFunc", "eddy": "eddy-loop"}
	for _, impl := range impls {
		f := figures[impl]
		emitRuns(emit, label[impl], scenario, "cpu", "ns/timer", f["cpu"])
		emitRuns(emit, label[impl], scenario, "schedule", "ns/timer", f["schedule"])
		emitRuns(emit, label[impl], scenario, "peak_rss", "MB", f["peak_rss"])
		emitRuns(emit, label[impl], scenario, "overshoot", "ms", f["overshoot"])
	}
	return errors.Join(errs...)
}

// round1 rounds x to one decimal place.
func round1(x float64) float64 { return math.Round(x*10) / 10 }

// timersRun runs the timer workload once in a pinned child process.
func timersRun(impl string) (timersResult, error) {
	cmd, err := childCommand("timers", "-impl", impl, "-n", fmt.Sprint(cfg.timers), "-max", cfg.timerMax.String(), "-seed", "1")
	if err != nil {
		return timersResult{}, err
	}
	out, err := cmd.Output()
	if err != nil {
		return timersResult{}, fmt.Errorf("timers child: %w", err)
	}
	var r timersResult
	if err := json.Unmarshal(out, &r); err != nil {
		return timersResult{}, fmt.Errorf("timers child output %q: %w", out, err)
	}
	return r, nil
}
