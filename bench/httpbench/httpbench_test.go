package httpbench

import (
	"errors"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRunShort runs the suite in short mode against every
// implementation: each server in its own process checked response by
// response in every workload, then loaded briefly.
func TestRunShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	var (
		mu  sync.Mutex
		got = map[string]int{}
		log strings.Builder
	)
	err := RunWith(Options{Short: true, Duration: 50 * time.Millisecond, Log: &syncWriter{w: &log}},
		func(impl, scenario, metric, unit string, runs []float64) {
			mu.Lock()
			defer mu.Unlock()
			if len(runs) != 1 || runs[0] <= 0 && metric == "throughput" || runs[0] < 0 {
				t.Errorf("%s %s %s: %v", impl, scenario, metric, runs)
			}
			got[impl]++
		})
	if err != nil {
		t.Fatal(err)
	}
	_, nginxErr := exec.LookPath(nginxBinary)
	for _, impl := range Impls {
		const perScenario = 4 // throughput, server_cpu, server_user, server_sys
		want := perScenario * len(Scenarios)
		if _, ok := noStatic[impl]; ok {
			want -= perScenario
		}
		if impl == "nginx" && nginxErr != nil {
			want = 0
		}
		if got[impl] != want {
			t.Errorf("%s: %d figures, want %d", impl, got[impl], want)
		}
	}
	if !strings.Contains(log.String(), "static-1MiB-50c gnet: skipped") {
		t.Errorf("gnet's skip not logged: %q", log.String())
	}
}

// TestMeasureWrk runs one short wrk window, pipelined, against eddy.
func TestMeasureWrk(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Skip(ErrNoWrk)
	}
	dir := t.TempDir()
	script, err := writeFixtures(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startServer("eddy", dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	sc := Scenarios[slices.IndexFunc(Scenarios, func(s Scenario) bool { return s.Pipeline > 1 })]
	s, err := measureWrk(wrk, script, srv, sc, 0, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s.rate <= 0 || s.cpu < 0 || s.user < 0 || s.sys < 0 {
		t.Fatalf("%+v", s)
	}
	// The parts are rounded separately from the whole, each to under a
	// microsecond per request.
	if d := s.user + s.sys - s.cpu; d > 1e-6 || d < -1e-6 {
		t.Fatalf("user %v + kernel %v != cpu %v", s.user, s.sys, s.cpu)
	}
}

func TestOptionsFromEnv(t *testing.T) {
	t.Setenv(DurationEnv, "2s")
	t.Setenv(RunsEnv, "5")
	t.Setenv(ImplEnv, "eddy, gnet")
	t.Setenv(ScenarioEnv, "json-50c")
	t.Setenv(ShortEnv, "1")
	t.Setenv(ProfileDirEnv, "/tmp/p")
	o := OptionsFromEnv()
	if o.Duration != 2*time.Second || o.Runs != 5 || !slices.Equal(o.Impls, []string{"eddy", "gnet"}) ||
		!slices.Equal(o.Scenarios, []string{"json-50c"}) || !o.Short || o.ProfileDir != "/tmp/p" {
		t.Fatalf("%+v", o)
	}
}

func TestOptionsDefaults(t *testing.T) {
	o, scs, err := Options{}.withDefaults()
	if err != nil || o.Runs != 3 || o.Duration != 5*time.Second || o.Warmup != time.Second ||
		len(o.Impls) != len(Impls) || len(scs) != len(Scenarios) {
		t.Fatalf("%+v %v", o, err)
	}
	o, _, _ = Options{Short: true, Warmup: time.Second}.withDefaults()
	if o.Runs != 1 || o.Duration != 100*time.Millisecond || o.Warmup != 0 {
		t.Fatalf("short: %+v", o)
	}
	if _, _, err := (Options{Impls: []string{"apache"}}).withDefaults(); !errors.Is(err, ErrUnknownImpl) {
		t.Fatalf("unknown impl: %v", err)
	}
	if _, _, err := (Options{Scenarios: []string{"nope"}}).withDefaults(); err == nil {
		t.Fatal("unknown scenario accepted")
	}
}

func TestRunUnknownImpl(t *testing.T) {
	err := RunWith(Options{Impls: []string{"apache"}}, func(string, string, string, string, []float64) {})
	if !errors.Is(err, ErrUnknownImpl) {
		t.Fatal(err)
	}
}

// syncWriter serialises writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// TestRunEmitsSpread checks Run's figures: the median, then the minimum
// and maximum as metrics of their own.
func TestRunEmitsSpread(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Setenv(ShortEnv, "1")
	t.Setenv(ImplEnv, "gnet")
	t.Setenv(ScenarioEnv, "plaintext-50c")
	t.Setenv(DurationEnv, "50ms")
	var got []string
	err := Run(func(impl, scenario, metric string, value float64, unit string) {
		if impl != "gnet" || scenario != "plaintext-50c" {
			t.Errorf("figure for %s %s", impl, scenario)
		}
		got = append(got, metric+" "+unit)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"throughput req/s", "throughput_min req/s", "throughput_max req/s",
		"server_cpu µs/req", "server_cpu_min µs/req", "server_cpu_max µs/req",
		"server_user µs/req", "server_user_min µs/req", "server_user_max µs/req",
		"server_sys µs/req", "server_sys_min µs/req", "server_sys_max µs/req"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}
