package web_test

import (
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/soak"
)

// tortureTime returns how long a torture test runs over all its seeds: a
// second with -short, 3 s by default, EDDY_TORTURE by hand.
func tortureTime(t *testing.T) time.Duration {
	def := 3 * time.Second
	if testing.Short() {
		def = time.Second
	}
	return soak.Duration(t, def)
}

// tortureSeedList returns the seeds to run: EDDY_TORTURE_SEED or def.
func tortureSeedList(t *testing.T, def []uint64) []uint64 {
	return soak.Seeds(t, def, 0, 0)
}
