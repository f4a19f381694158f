package timerload

import (
	"sync/atomic"
	"time"
)

// RunStd runs the workload with time.AfterFunc. Each timer's function runs
// in its own goroutine, as time.AfterFunc specifies.
func RunStd(cfg Config) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	p := cfg.plan()
	var fired atomic.Int64
	var last time.Time
	done := make(chan struct{})
	n := int64(cfg.N)
	fire := func() {
		if fired.Add(1) == n {
			last = time.Now()
			close(done)
		}
	}
	cpu0 := processCPU()
	start := time.Now()
	for range cfg.N {
		time.AfterFunc(p.next(), fire)
	}
	sched := time.Since(start)
	<-done
	return Result{
		N:         int(fired.Load()),
		Schedule:  sched,
		Total:     last.Sub(start),
		Overshoot: last.Sub(p.deadline),
		CPU:       processCPU() - cpu0,
	}, nil
}
