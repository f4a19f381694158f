// Package soak holds what the project's randomized torture tests
// share: how long one runs and which seeds it runs.
//
// A torture test runs a few fixed seeds for a few seconds by default, so
// that it can stay in every `make test`. By hand:
//
//	EDDY_TORTURE=60s go test -run Torture ./pkg/    # longer, more seeds
//	EDDY_TORTURE_SEED=17 go test -run Torture ./pkg/ # replay one seed
//
// EDDY_TORTURE_SEED may list several seeds, separated by commas.
package soak

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Duration returns how long a torture test should run in all:
// EDDY_TORTURE if it is set, def otherwise. A malformed value fails t.
func Duration(t testing.TB, def time.Duration) time.Duration {
	t.Helper()
	s := os.Getenv("EDDY_TORTURE")
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("EDDY_TORTURE=%q: want a positive duration such as 60s", s)
	}
	return d
}

// Seeds returns the seeds to run: those EDDY_TORTURE_SEED lists, if set;
// otherwise def, followed by the next seeds after def's largest, so that
// a run of total lasting longer than the default gives each seed about
// per. A malformed list fails t.
func Seeds(t testing.TB, def []uint64, total, per time.Duration) []uint64 {
	t.Helper()
	if s := os.Getenv("EDDY_TORTURE_SEED"); s != "" {
		var seeds []uint64
		for f := range strings.SplitSeq(s, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
			if err != nil {
				t.Fatalf("EDDY_TORTURE_SEED=%q: want seeds separated by commas", s)
			}
			seeds = append(seeds, n)
		}
		return seeds
	}
	seeds := append([]uint64(nil), def...)
	next := uint64(1)
	for _, s := range def {
		next = max(next, s+1)
	}
	for per > 0 && len(seeds) < int(total/per) {
		seeds = append(seeds, next)
		next++
	}
	return seeds
}
