// Package figures gathers a suite's measurements over interleaved rounds
// and reports each figure's median (and spread), and marks the CPU time
// used by the server and by this process between two points.
package figures

import (
	"os"
	"time"

	"github.com/eddy-go/eddy/bench/internal/procfs"
	"github.com/eddy-go/eddy/bench/internal/stats"
)

// Emit reports one figure, as the suites' Run functions do.
type Emit = func(impl, scenario, metric string, value float64, unit string)

// Key names one figure.
type Key struct{ Impl, Scenario, Metric, Unit string }

// Set collects the values of figures over rounds, keeping the order in
// which the figures first appeared. The zero value is ready to use.
type Set struct {
	order []Key
	vals  map[Key][]float64
}

// Add records one round's value of a figure.
func (s *Set) Add(impl, scenario, metric, unit string, v float64) {
	k := Key{impl, scenario, metric, unit}
	if s.vals == nil {
		s.vals = map[Key][]float64{}
	}
	if s.vals[k] == nil {
		s.order = append(s.order, k)
	}
	s.vals[k] = append(s.vals[k], v)
}

// Values returns the values recorded for a figure, in round order.
func (s *Set) Values(impl, scenario, metric, unit string) []float64 {
	return s.vals[Key{impl, scenario, metric, unit}]
}

// EmitMedians reports each figure's median.
func (s *Set) EmitMedians(emit Emit) {
	for _, k := range s.order {
		emit(k.Impl, k.Scenario, k.Metric, stats.Summarize(s.vals[k]).Median, k.Unit)
	}
}

// EmitSpread reports each figure's median, and its minimum and maximum as
// the metrics "<metric>_min" and "<metric>_max".
func (s *Set) EmitSpread(emit Emit) {
	for _, k := range s.order {
		sum := stats.Summarize(s.vals[k])
		emit(k.Impl, k.Scenario, k.Metric, sum.Median, k.Unit)
		emit(k.Impl, k.Scenario, k.Metric+"_min", sum.Min, k.Unit)
		emit(k.Impl, k.Scenario, k.Metric+"_max", sum.Max, k.Unit)
	}
}

// CPU marks the CPU time of a server process and of this process.
type CPU struct {
	server int
	last   [2]time.Duration
}

// NewCPU returns a marker for the server process serverPid, marked now.
func NewCPU(serverPid int) *CPU {
	c := &CPU{server: serverPid}
	c.Mark()
	return c
}

// Mark returns the CPU time the server and this process used since the
// previous mark. ok is false where /proc cannot be read.
func (c *CPU) Mark() (server, client time.Duration, ok bool) {
	s, err1 := procfs.ReadCPUTime(c.server)
	me, err2 := procfs.ReadCPUTime(os.Getpid())
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	server, client = s-c.last[0], me-c.last[1]
	c.last = [2]time.Duration{s, me}
	return server, client, true
}
