package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestReporterJSON(t *testing.T) {
	var buf bytes.Buffer
	old := rep
	rep = &reporter{w: &buf, json: true}
	defer func() { rep = old }()
	rep.begin("echo")
	emitRuns(rep.emit, "gnet", "depth16", "server_cpu", "µs/msg", []float64{0.31, 0.27, 0.29})
	rep.emit("std", "depth16", "note", 1.5, "x")
	emitRuns(rep.emit, "nbio", "depth16", "server_cpu", "µs/msg", nil) // reports nothing
	rep.end()

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), buf.String())
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"suite": "echo", "impl": "gnet", "scenario": "depth16", "metric": "server_cpu",
		"value": 0.29, "unit": "µs/msg", "min": 0.27, "max": 0.31, "runs": 3.0}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %v, want %v", k, first[k], v)
		}
	}
	var second map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if _, ok := second["min"]; ok {
		t.Errorf("single figure carries a spread: %s", lines[1])
	}
	if second["value"] != 1.5 || second["suite"] != "echo" {
		t.Errorf("second row = %v", second)
	}
}

func TestReporterTable(t *testing.T) {
	var buf bytes.Buffer
	r := &reporter{w: &buf}
	r.begin("idle")
	r.spread = nil
	r.emit("eddy", "10000conns", "rss_idle", 0.4321, "KB/conn")
	if buf.Len() != 0 {
		t.Fatal("table printed before the suite ended")
	}
	r.end()
	out := buf.String()
	for _, s := range []string{"SUITE", "eddy", "10000conns", "rss_idle", "0.43", "KB/conn"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
}

func TestFormatValue(t *testing.T) {
	for v, want := range map[float64]string{
		2700431: "2700431",
		643.14:  "643.1",
		0.367:   "0.37",
		0:       "0.00",
		0.0123:  "0.0123",
		-12.34:  "-12.3",
	} {
		if got := formatValue(v); got != want {
			t.Errorf("formatValue(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestParseInts(t *testing.T) {
	got, err := parseInts("10000, 19000,")
	if err != nil || len(got) != 2 || got[0] != 10000 || got[1] != 19000 {
		t.Fatalf("parseInts = %v, %v", got, err)
	}
	for _, bad := range []string{"x", "0", "-5", "1,2,abc"} {
		if _, err := parseInts(bad); err == nil {
			t.Errorf("parseInts(%q) accepted", bad)
		}
	}
}

func TestSelected(t *testing.T) {
	c := config{impls: []string{"eddy", "std", "bogus"}}
	got := c.selected([]string{"std", "gnet", "nbio", "eddy"})
	if strings.Join(got, ",") != "std,eddy" {
		t.Fatalf("selected = %v, want [std eddy]", got)
	}
	if got := (&config{}).selected([]string{"a", "b"}); len(got) != 2 {
		t.Fatalf("empty filter selected %v", got)
	}
}

func TestSuiteOrder(t *testing.T) {
	order := suiteOrder()
	if len(order)+len(optIn) != len(suites) {
		t.Fatalf("suiteOrder = %v, registry has %d, %d of them opt-in", order, len(suites), len(optIn))
	}
	if order[0] != "echo" || order[1] != "idle" || order[2] != "timers" {
		t.Fatalf("suiteOrder = %v", order)
	}
}

// -impl chooses the http suite's implementations too, not only its
// environment variable.
func TestHTTPOptionsTakeImplFlag(t *testing.T) {
	saved := cfg
	t.Cleanup(func() { cfg = saved })
	cfg.impls = []string{"eddy", "gnet"}
	if got := httpOptions().Impls; !slices.Equal(got, []string{"eddy", "gnet"}) {
		t.Fatalf("http suite implementations %v, want [eddy gnet]", got)
	}
}
