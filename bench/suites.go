package main

import (
	"slices"

	"github.com/eddy-go/eddy/bench/beanstalkbench"
	"github.com/eddy-go/eddy/bench/filesbench"
	"github.com/eddy-go/eddy/bench/futures"
	"github.com/eddy-go/eddy/bench/httpbench"
	"github.com/eddy-go/eddy/bench/httpclientbench"
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
	"echo":       echoSuite,
	"idle":       idleSuite,
	"timers":     timersSuite,
	"futures":    futures.Run,
	"tls":        tlsbench.Run,
	"files":      filesbench.Run,
	"beanstalk":  func(e Emit) error { return beanstalkbench.RunPinned(cfg.servCPU, pinLoad, e) },
	"http":       httpSuite,
	"redis":      func(e Emit) error { return redisbench.RunPinned(cfg.servCPU, pinLoad, e) },
	"httpclient": httpclientbench.Run,
	"echo-wine":  echoWineSuite,
}

// optIn lists the suites that "-suite all" leaves out because they need
// more than the Linux machine: echo-wine needs Wine (make wine).
var optIn = []string{"echo-wine"}

// suiteOrder lists the suites in the order "-suite all" runs them: the
// known ones first, then any others by name.
func suiteOrder() []string {
	order := []string{"echo", "idle", "timers", "futures", "tls", "files", "beanstalk", "http", "redis", "httpclient"}
	var rest []string
	for name := range suites {
		if !slices.Contains(order, name) && !slices.Contains(optIn, name) {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	order = slices.DeleteFunc(order, func(n string) bool { return suites[n] == nil })
	return append(order, rest...)
}

// httpSuite runs the http suite with the settings from its environment
// variables, reporting each figure's runs so that the report carries
// their median, min and max.
func httpSuite(e Emit) error {
	return httpbench.RunWith(httpOptions(), func(impl, scenario, metric, unit string, runs []float64) {
		emitRuns(e, impl, scenario, metric, unit, runs)
	})
}

// httpOptions returns the http suite's options: its environment
// variables, with -impl, when given, choosing the implementations as it
// does for the other suites.
func httpOptions() httpbench.Options {
	o := httpbench.OptionsFromEnv()
	if len(cfg.impls) > 0 {
		o.Impls = slices.Clone(cfg.impls)
	}
	return o
}
