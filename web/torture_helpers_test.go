package web_test

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// Helpers the torture tests share: EDDY_TORTURE sets how long one runs
// in all, EDDY_TORTURE_SEED replays one seed.

// tortureTime returns how long a torture test runs in all.
func tortureTime(t *testing.T) time.Duration {
	if s := os.Getenv("EDDY_TORTURE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("EDDY_TORTURE: %v", err)
		}
		return d
	}
	if testing.Short() {
		return time.Second
	}
	return 3 * time.Second
}

// tortureSeedList returns the seeds to run: EDDY_TORTURE_SEED or def.
func tortureSeedList(t *testing.T, def []uint64) []uint64 {
	if s := os.Getenv("EDDY_TORTURE_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("EDDY_TORTURE_SEED: %v", err)
		}
		return []uint64{n}
	}
	return def
}
