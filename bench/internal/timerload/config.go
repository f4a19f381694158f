package timerload

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Config describes a run.
type Config struct {
	// N is the number of timers; it must be positive.
	N int
	// MaxDelay bounds the delays, drawn uniformly from [0, MaxDelay); it
	// must be positive.
	MaxDelay time.Duration
	// Seed seeds the delay generator, so every implementation draws the
	// same delays.
	Seed uint64
}

func (c Config) check() error {
	if c.N <= 0 || c.MaxDelay <= 0 {
		return fmt.Errorf("%w: %+v", ErrBadConfig, c)
	}
	return nil
}

// plan draws a run's delays on the fly, so the run holds no table of
// them, and tracks the latest deadline among the timers scheduled so far.
type plan struct {
	rng      *rand.Rand
	max      time.Duration
	i        int
	now      time.Time // refreshed every planClock timers
	deadline time.Time // latest now+delay so far
}

// planClock is how many timers share one reading of the clock. Reading
// it before each block makes the tracked deadline early by at most the
// time one block takes to schedule.
const planClock = 1024

func (c Config) plan() *plan {
	return &plan{rng: rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15)), max: c.MaxDelay}
}

// next returns the delay of the next timer to schedule.
func (p *plan) next() time.Duration {
	if p.i%planClock == 0 {
		p.now = time.Now()
	}
	p.i++
	d := time.Duration(p.rng.Int64N(int64(p.max)))
	if t := p.now.Add(d); t.After(p.deadline) {
		p.deadline = t
	}
	return d
}

// Result is what a run measured.
type Result struct {
	// N is the number of timers that fired.
	N int
	// Schedule is the wall time spent creating the timers.
	Schedule time.Duration
	// Total is the wall time from the first timer created to the last
	// one fired.
	Total time.Duration
	// Overshoot is how much later than the latest deadline the last
	// timer fired. The deadline is tracked to within the time it takes
	// to schedule a block of timers, so Overshoot may err high by that.
	Overshoot time.Duration
	// CPU is the process's user plus system CPU time over Total.
	CPU time.Duration
}
