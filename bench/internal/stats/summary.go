package stats

import (
	"math"
	"slices"
)

// Summary describes a set of runs. The zero value describes no runs.
type Summary struct {
	// Median is the middle value; for an even number of runs, the mean of
	// the two middle values.
	Median float64
	// Min and Max are the smallest and largest values.
	Min, Max float64
	// Runs is how many values were summarised.
	Runs int
}

// Summarize returns the median, minimum and maximum of values. NaN values
// are ignored. It does not modify values. With no usable value it returns
// the zero Summary.
func Summarize(values []float64) Summary {
	v := make([]float64, 0, len(values))
	for _, x := range values {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return Summary{}
	}
	slices.Sort(v)
	n := len(v)
	med := v[n/2]
	if n%2 == 0 {
		med = v[n/2-1]/2 + v[n/2]/2
	}
	return Summary{Median: med, Min: v[0], Max: v[n-1], Runs: n}
}
