package leakcheck

import (
	"strings"
	"testing"
)

func TestGoroutineID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		id   uint64
		okay bool
	}{
		{"goroutine 17 [chan receive]:\nmain.f()", 17, true},
		{"goroutine 1 [running]:", 1, true},
		{"goroutine x [running]:", 0, false},
		{"goroutine 5", 0, false},
		{"", 0, false},
		{"thread 5 [running]:", 0, false},
	} {
		id, ok := goroutineID(tc.in)
		if id != tc.id || ok != tc.okay {
			t.Errorf("goroutineID(%q) = %d, %v; want %d, %v", tc.in, id, ok, tc.id, tc.okay)
		}
	}
	if currentID() == 0 {
		t.Error("currentID() = 0")
	}
}

func TestIgnored(t *testing.T) {
	for _, tc := range []struct {
		stack string
		want  bool
	}{
		{"goroutine 9 [select]:\nfoo.work()\n\t/x.go:1\ncreated by foo.Start in goroutine 1\n\t/x.go:2", false},
		{"goroutine 9 [select]:\nos/signal.signal_recv()\ncreated by os/signal.Notify.func1.1 in goroutine 1", true},
		{"goroutine 9 [chan receive]:\nruntime.x()\ncreated by runtime.gcenable in goroutine 1", true},
		{"goroutine 9 [chan receive]:\nx()\ncreated by runtime/trace.Start in goroutine 1", true},
		{"goroutine 9 [chan receive]:\ngithub.com/eddy-go/eddy/internal/testenv.processSpawner(0x0)\ncreated by x", true},
		{"goroutine 9 [chan receive]:\nmine.worker()\ncreated by mine.Start", true}, // via pattern
	} {
		if got := ignored(tc.stack, []string{"mine.worker"}); got != tc.want {
			t.Errorf("ignored(%q) = %v, want %v", tc.stack, got, tc.want)
		}
	}
}

func TestLeakErrorUnwrap(t *testing.T) {
	both := &LeakError{Goroutines: []string{"goroutine 3 [x]:"}, FDsBefore: 4, FDsAfter: 5, NewFDs: []string{"fd 9 -> /tmp/a"}}
	if n := len(both.Unwrap()); n != 2 {
		t.Errorf("Unwrap gave %d errors, want 2", n)
	}
	want := "leakcheck: 1 goroutine(s) leaked; open file descriptors grew from 4 to 5\n\ngoroutine 3 [x]:\n\nnew file descriptors:\n  fd 9 -> /tmp/a"
	if got := both.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestParseStacks(t *testing.T) {
	dump := "goroutine 1 [running]:\nmain.main()\n\t/m.go:3 +0x1\n\n" +
		"goroutine 7 [chan receive]:\nfoo.bar()\n\t/f.go:9\ncreated by foo.Start in goroutine 1\n\t/f.go:4 +0x2\n\n" +
		"garbage\n\n"
	gs := parseStacks(dump)
	if len(gs) != 2 || gs[0].id != 1 || gs[1].id != 7 {
		t.Fatalf("parseStacks = %+v", gs)
	}
	if gs[1].stack != "goroutine 7 [chan receive]:\nfoo.bar()\n\t/f.go:9\ncreated by foo.Start in goroutine 1\n\t/f.go:4 +0x2" {
		t.Errorf("stack = %q", gs[1].stack)
	}
	// The live dump parses and holds the calling goroutine.
	self := currentID()
	found := false
	for _, g := range stacks() {
		found = found || g.id == self
	}
	if !found {
		t.Error("stacks() lacks the calling goroutine")
	}
}

func FuzzParseStacks(f *testing.F) {
	f.Add("goroutine 1 [running]:\nmain.main()\n\n" +
		"goroutine 7 [select]:\nx()\ncreated by runtime.gcenable in goroutine 1\n")
	f.Add("goroutine 18446744073709551615 [idle]:\n")
	f.Add("goroutine 18446744073709551616 [idle]:\n")
	f.Add("goroutine  [x]:\n\n\ngoroutine 2 \n")
	f.Fuzz(func(t *testing.T, dump string) {
		for _, g := range parseStacks(dump) {
			id, ok := goroutineID(g.stack)
			if !ok || id != g.id {
				t.Fatalf("block %q: id %d, reparsed %d %v", g.stack, g.id, id, ok)
			}
			if !strings.HasPrefix(g.stack, "goroutine ") || g.stack != strings.TrimSpace(g.stack) {
				t.Fatalf("bad block %q", g.stack)
			}
			ignored(g.stack, []string{"x"})
		}
	})
}
