package main

import (
	"slices"

	"github.com/eddy-go/eddy/bench/beanstalkbench"
	"github.com/eddy-go/eddy/bench/filesbench"
	"github.com/eddy-go/eddy/bench/futures"
	"github.com/eddy-go/eddy/bench/httpbench"
	"github.com/eddy-go/eddy/bench/redisbench"
	"github.com/eddy-go/eddy/bench/tlsbench"
)

// Emit reports one figure of a suite: which implementation, in which
// scenario, which metric, its value and its unit.
type Emit = func(impl, scenario, metric string, value float64, unit string)

// Suite runs one benchmark suite, reporting each figure through emit.
type Suite = func(emit Emit) error

// suites maps a suite name, as given to -suite, to the suite.
var suites = map[string]Suite{
	"echo":      echoSuite,
	"idle":      idleSuite,
	"timers":    timersSuite,
	"futures":   futures.Run,
	"tls":       tlsbench.Run,
	"files":     filesbench.Run,
	"beanstalk": beanstalkbench.Run,
	"http":      httpbench.Run,
	"redis":     redisbench.Run,
}

// suiteOrder lists the suites in the order "-suite all" runs them: the
// known ones first, then any others by name.
func suiteOrder() []string {
	order := []string{"echo", "idle", "timers", "futures", "tls", "files", "beanstalk", "http", "redis"}
	var rest []string
	for name := range suites {
		if !slices.Contains(order, name) {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	order = slices.DeleteFunc(order, func(n string) bool { return suites[n] == nil })
	return append(order, rest...)
}
