package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"

	"github.com/eddy-go/eddy/bench/internal/stats"
)

// row is one reported figure. Min, Max and Runs are set when Value is the
// median of several runs.
type row struct {
	Suite    string   `json:"suite"`
	Impl     string   `json:"impl"`
	Scenario string   `json:"scenario"`
	Metric   string   `json:"metric"`
	Value    float64  `json:"value"`
	Unit     string   `json:"unit"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Runs     int      `json:"runs,omitempty"`
}

// reporter prints the rows of the suites: as JSON lines as they arrive,
// or as a table at the end of each suite.
type reporter struct {
	w      io.Writer
	json   bool
	suite  string
	rows   []row
	spread *stats.Summary // attached to the next row emitted
}

// rep is the reporter of the running suite. Suites run one at a time on
// the main goroutine.
var rep *reporter

// begin starts collecting rows for suite.
func (r *reporter) begin(suite string) {
	r.suite, r.rows, r.spread = suite, nil, nil
}

// emit is the [Emit] handed to suites.
func (r *reporter) emit(impl, scenario, metric string, value float64, unit string) {
	x := row{Suite: r.suite, Impl: impl, Scenario: scenario, Metric: metric, Value: value, Unit: unit}
	if s := r.spread; s != nil {
		x.Min, x.Max, x.Runs = &s.Min, &s.Max, s.Runs
		r.spread = nil
	}
	if r.json {
		b, err := json.Marshal(x)
		if err != nil { // only for NaN or Inf values
			b, _ = json.Marshal(struct {
				row
				Value string `json:"value"`
			}{x, strconv.FormatFloat(value, 'g', -1, 64)})
		}
		fmt.Fprintf(r.w, "%s\n", b)
		return
	}
	r.rows = append(r.rows, x)
}

// end prints the table of the suite's rows, unless printing JSON.
func (r *reporter) end() {
	if r.json || len(r.rows) == 0 {
		return
	}
	tw := tabwriter.NewWriter(r.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SUITE\tIMPL\tSCENARIO\tMETRIC\tVALUE\tUNIT\tMIN..MAX (RUNS)")
	for _, x := range r.rows {
		spread := ""
		if x.Min != nil {
			spread = fmt.Sprintf("%s..%s (%d)", formatValue(*x.Min), formatValue(*x.Max), x.Runs)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			x.Suite, x.Impl, x.Scenario, x.Metric, formatValue(x.Value), x.Unit, spread)
	}
	tw.Flush()
	fmt.Fprintln(r.w)
}

// emitRuns reports the median of runs through emit, with its minimum,
// maximum and count attached when the rows go to the reporter. Runs with
// no usable value report nothing.
func emitRuns(emit Emit, impl, scenario, metric, unit string, runs []float64) {
	s := stats.Summarize(runs)
	if s.Runs == 0 {
		return
	}
	if rep != nil {
		rep.spread = &s
	}
	emit(impl, scenario, metric, s.Median, unit)
}

// formatValue prints a figure with about three significant digits, and
// large ones as integers.
func formatValue(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 0.1 || a == 0:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}
