package timerload

import (
	"errors"
	"time"

	"github.com/eddy-go/eddy"
)

// RunEddy runs the workload on one eddy loop: the timers are created on
// the loop's goroutine before Run, and Run returns once the last has
// fired and nothing else keeps the loop alive.
//
// Loop timers count from the loop's cached time of the current turn, as
// in libuv, so a timer created late in a long turn may fire before its
// delay has passed in wall time; Overshoot is then negative.
func RunEddy(cfg Config) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	loop, err := eddy.New()
	if err != nil {
		return Result{}, err
	}
	p := cfg.plan()
	fired := 0
	var last time.Time
	fire := func() {
		fired++
		if fired == cfg.N {
			last = time.Now()
		}
	}
	cpu0 := processCPU()
	start := time.Now()
	for range cfg.N {
		loop.AfterFunc(p.next(), fire)
	}
	sched := time.Since(start)
	if err := loop.Run(); err != nil {
		return Result{}, err
	}
	if fired != cfg.N {
		return Result{}, errors.New("timerload: eddy loop ended before every timer fired")
	}
	return Result{
		N:         fired,
		Schedule:  sched,
		Total:     last.Sub(start),
		Overshoot: last.Sub(p.deadline),
		CPU:       processCPU() - cpu0,
	}, nil
}
