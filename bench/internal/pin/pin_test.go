//go:build linux

package pin_test

import (
	"runtime"
	"slices"
	"testing"

	"github.com/eddy-go/eddy/bench/internal/pin"
)

func TestProcessRoundTrip(t *testing.T) {
	all, err := pin.Allowed()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no CPUs allowed")
	}
	if err := pin.Process(all[0]); err != nil {
		t.Fatal(err)
	}
	got, err := pin.Allowed()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, all[:1]) {
		t.Errorf("after pinning to %d, allowed %v", all[0], got)
	}
	if err := pin.Process(all...); err != nil {
		t.Fatal(err)
	}
	if got, _ := pin.Allowed(); !slices.Equal(got, all) {
		t.Errorf("after restoring, allowed %v, want %v", got, all)
	}
}

func TestLoadRestores(t *testing.T) {
	all, err := pin.Allowed()
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(0)
	restore, err := pin.Load(all[len(all)-1])
	if err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("GOMAXPROCS %d while pinned, want 1", got)
	}
	if got, _ := pin.Allowed(); !slices.Equal(got, all[len(all)-1:]) {
		t.Errorf("allowed %v while pinned", got)
	}
	restore()
	if got := runtime.GOMAXPROCS(0); got != prev {
		t.Errorf("GOMAXPROCS %d after restore, want %d", got, prev)
	}
	if got, _ := pin.Allowed(); !slices.Equal(got, all) {
		t.Errorf("allowed %v after restore, want %v", got, all)
	}
}
