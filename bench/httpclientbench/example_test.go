package httpclientbench_test

import (
	"fmt"

	"github.com/eddy-go/eddy/bench/httpclientbench"
)

// The suite reports through a callback; the bench runner prints a table
// or JSON from it.
func Example() {
	emit := func(impl, scenario, metric string, value float64, unit string) {
		fmt.Printf("%s %s %s %.0f %s\n", impl, scenario, metric, value, unit)
	}
	_ = httpclientbench.Run // Run(emit) starts nginx and takes a while
	emit("eddy-futures", "get-c64", "throughput", 42000, "req/s")
	// Output: eddy-futures get-c64 throughput 42000 req/s
}
