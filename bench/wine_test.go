package main

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// TestEchoWineSmoke builds bench.exe and runs one short echo window
// against each server under Wine. Wine takes seconds to start, so it runs
// only with EDDY_BENCH_WINE=1.
func TestEchoWineSmoke(t *testing.T) {
	if os.Getenv("EDDY_BENCH_WINE") != "1" {
		t.Skip("set EDDY_BENCH_WINE=1 to run the servers under Wine")
	}
	if _, err := exec.LookPath("wine"); err != nil {
		t.Skip("wine not installed (make wine installs it)")
	}
	old := cfg
	defer func() { cfg = old }()
	cfg.duration = 200 * time.Millisecond
	w, err := setupWine()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	if w.pid <= 0 {
		t.Fatalf("no wineserver pid")
	}
	for _, impl := range wineImpls {
		m, err := echoRunWith(w.startServer, impl, 4)
		if err != nil {
			t.Errorf("%s: %v", wineLabel(impl), err)
			continue
		}
		if m.rate <= 0 || m.server < 0 || m.client < 0 {
			t.Errorf("%s: %+v", wineLabel(impl), m)
		}
	}
}

func TestWineLabel(t *testing.T) {
	if got := wineLabel("eddy"); got != "eddy-iocp-wine" {
		t.Errorf("wineLabel(eddy) = %q", got)
	}
	if got := wineLabel("std"); got != "std-wine" {
		t.Errorf("wineLabel(std) = %q", got)
	}
	if slices.Contains(suiteOrder(), "echo-wine") {
		t.Errorf("suite all includes echo-wine")
	}
	if suites["echo-wine"] == nil {
		t.Errorf("echo-wine not registered")
	}
}
