package soak

import (
	"slices"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	t.Setenv("EDDY_TORTURE", "")
	if d := Duration(t, 3*time.Second); d != 3*time.Second {
		t.Fatalf("default: %v", d)
	}
	t.Setenv("EDDY_TORTURE", "1m")
	if d := Duration(t, 3*time.Second); d != time.Minute {
		t.Fatalf("EDDY_TORTURE=1m: %v", d)
	}
}

func TestSeeds(t *testing.T) {
	t.Setenv("EDDY_TORTURE_SEED", "")
	def := []uint64{1, 2, 3}
	if got := Seeds(t, def, 3*time.Second, 5*time.Second); !slices.Equal(got, def) {
		t.Fatalf("short run: %v", got)
	}
	if got := Seeds(t, def, 30*time.Second, 5*time.Second); !slices.Equal(got, []uint64{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("30s at 5s a seed: %v", got)
	}
	if got := Seeds(t, []uint64{11, 13}, 20*time.Second, 5*time.Second); !slices.Equal(got, []uint64{11, 13, 14, 15}) {
		t.Fatalf("after 13: %v", got)
	}
	t.Setenv("EDDY_TORTURE_SEED", "7, 9")
	if got := Seeds(t, def, time.Hour, time.Second); !slices.Equal(got, []uint64{7, 9}) {
		t.Fatalf("EDDY_TORTURE_SEED=7,9: %v", got)
	}
}
