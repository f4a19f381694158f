package stats_test

import (
	"fmt"

	"github.com/eddy-go/eddy/bench/internal/stats"
)

func ExampleSummarize() {
	s := stats.Summarize([]float64{0.31, 0.27, 0.29})
	fmt.Printf("median %.2f min %.2f max %.2f runs %d\n", s.Median, s.Min, s.Max, s.Runs)
	// Output: median 0.29 min 0.27 max 0.31 runs 3
}
