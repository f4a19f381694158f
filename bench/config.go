package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// config holds the runner's flags, read by the suites.
type config struct {
	json     bool
	duration time.Duration // echo: timed window per run
	runs     int           // runs per implementation, interleaved
	impls    []string      // implementations to run; empty means all
	settle   time.Duration // idle: wait before sampling RSS
	idleN    []int         // idle: connection counts
	timers   int           // timers: how many
	timerMax time.Duration // timers: largest delay
	pin      bool          // pin load and server to separate CPUs
	allCPUs  []int         // CPUs this process may use
	loadCPU  int           // CPU of the load generator, -1 if unpinned
	servCPU  int           // CPU of the server child, -1 if unpinned
}

var cfg = config{loadCPU: -1, servCPU: -1}

// selected returns the names in all that -impl selected, keeping the order
// of all.
func (c *config) selected(all []string) []string {
	if len(c.impls) == 0 {
		return all
	}
	return slices.DeleteFunc(slices.Clone(all), func(n string) bool { return !slices.Contains(c.impls, n) })
}

// parseList splits a comma-separated flag value, dropping empty items.
func parseList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseInts parses a comma-separated list of positive integers.
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range parseList(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bench: %q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}
