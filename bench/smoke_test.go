package main

import (
	"os"
	"testing"
	"time"

	"github.com/eddy-go/eddy/bench/internal/servers"
)

// TestMain lets the test binary act as the bench binary's children, since
// the suites re-execute os.Executable() with a subcommand.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "serve":
			os.Exit(serveMain(os.Args[2:]))
		case "timers":
			os.Exit(timersMain(os.Args[2:]))
		}
	}
	os.Exit(m.Run())
}

// TestEchoRunSmoke runs a very short echo window against every server, in
// a child process. It checks that figures come out, not what they are.
func TestEchoRunSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	old := cfg
	defer func() { cfg = old }()
	cfg.duration = 100 * time.Millisecond
	for _, impl := range servers.Names() {
		m, err := echoRun(impl, 4)
		if err != nil {
			t.Errorf("%s: %v", impl, err)
			continue
		}
		if m.rate <= 0 || m.server < 0 || m.client < 0 {
			t.Errorf("%s: %+v", impl, m)
		}
	}
}

// TestIdleRunSmoke opens a few idle connections to each server and
// checks that the sampling path works end to end.
func TestIdleRunSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	old := cfg
	defer func() { cfg = old }()
	cfg.settle = 10 * time.Millisecond
	for _, impl := range []string{"std", "eddy"} {
		if _, _, err := idleRun(impl, 50); err != nil {
			t.Errorf("%s: %v", impl, err)
		}
	}
}

func TestTimersRunSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	old := cfg
	defer func() { cfg = old }()
	cfg.timers = 1000
	cfg.timerMax = 10 * time.Millisecond
	for _, impl := range []string{"std", "eddy"} {
		r, err := timersRun(impl)
		if err != nil {
			t.Errorf("%s: %v", impl, err)
			continue
		}
		if r.N != 1000 || r.HWMBytes <= 0 {
			t.Errorf("%s: %+v", impl, r)
		}
	}
}
