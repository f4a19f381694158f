package leakcheck

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// leakyWorker blocks until stop is closed, then closes done.
func leakyWorker(stop <-chan struct{}, done chan<- struct{}) {
	<-stop
	close(done)
}

// startWorker starts leakyWorker and returns once it runs, so that its
// stack names it.
func startWorker() (stop, done chan struct{}) {
	stop, done = make(chan struct{}), make(chan struct{})
	started := make(chan struct{})
	go func() {
		close(started)
		leakyWorker(stop, done)
	}()
	<-started
	return stop, done
}

func TestCheckReportsLeakedGoroutine(t *testing.T) {
	rec := &recorder{TB: t}
	Check(rec, Timeout(50*time.Millisecond), IgnoreFDs())
	stop, done := startWorker()
	rec.finish()
	close(stop)
	<-done

	if len(rec.failures) != 1 {
		t.Fatalf("got %d failures, want 1: %v", len(rec.failures), rec.failures)
	}
	err, ok := rec.failures[0].(error)
	if !ok {
		t.Fatalf("failure is %T, want an error", rec.failures[0])
	}
	if !errors.Is(err, ErrGoroutineLeak) || errors.Is(err, ErrFDLeak) {
		t.Errorf("errors.Is: goroutine %v, fd %v; want true, false",
			errors.Is(err, ErrGoroutineLeak), errors.Is(err, ErrFDLeak))
	}
	var le *LeakError
	if !errors.As(err, &le) || len(le.Goroutines) != 1 {
		t.Fatalf("want a *LeakError with one goroutine, got %#v", err)
	}
	if !strings.Contains(le.Goroutines[0], "leakcheck.leakyWorker") {
		t.Errorf("stack does not name the leaking function:\n%s", le.Goroutines[0])
	}
	if !strings.Contains(err.Error(), "1 goroutine(s) leaked") {
		t.Errorf("message %q lacks the count", err.Error())
	}
}

func TestCheckWaitsForAsynchronousExit(t *testing.T) {
	rec := &recorder{TB: t}
	Check(rec)
	stop, _ := startWorker()
	// Registered after Check, so it runs first: the goroutine is told to
	// stop but may still be running when the check starts.
	rec.Cleanup(func() { close(stop) })
	rec.finish()
	if len(rec.failures) != 0 {
		t.Fatalf("unexpected failures: %v", rec.failures)
	}
}

func TestCheckPassesCleanTest(t *testing.T) {
	rec := &recorder{TB: t}
	Check(rec, Timeout(0))
	f, err := os.CreateTemp(t.TempDir(), "closed")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	rec.finish()
	if len(rec.failures) != 0 {
		t.Fatalf("unexpected failures: %v", rec.failures)
	}
}

func TestIgnore(t *testing.T) {
	rec := &recorder{TB: t}
	Check(rec, Timeout(time.Second), Ignore("leakcheck.leakyWorker"))
	stop, done := startWorker()
	rec.finish()
	close(stop)
	<-done
	if len(rec.failures) != 0 {
		t.Fatalf("ignored goroutine reported: %v", rec.failures)
	}
}

func TestCheckReportsLeakedFD(t *testing.T) {
	if _, ok := openFDs(); !ok {
		t.Skip("no " + fdDir + " on this system")
	}
	path := filepath.Join(t.TempDir(), "leaked-file")
	rec := &recorder{TB: t}
	Check(rec, Timeout(20*time.Millisecond))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	rec.finish()
	f.Close()

	if len(rec.failures) != 1 {
		t.Fatalf("got %d failures, want 1: %v", len(rec.failures), rec.failures)
	}
	err, _ = rec.failures[0].(error)
	var le *LeakError
	if !errors.As(err, &le) || !errors.Is(err, ErrFDLeak) || errors.Is(err, ErrGoroutineLeak) {
		t.Fatalf("want a *LeakError matching only ErrFDLeak, got %v", rec.failures[0])
	}
	if le.FDsAfter != le.FDsBefore+1 {
		t.Errorf("counts %d -> %d, want one more", le.FDsBefore, le.FDsAfter)
	}
	if len(le.NewFDs) != 1 || !strings.HasSuffix(le.NewFDs[0], path) {
		t.Errorf("NewFDs = %q, want one entry pointing to %s", le.NewFDs, path)
	}
}

func TestCheckNetworkFirstUseIsNotALeak(t *testing.T) {
	// The poller's own descriptors appear on first use; Take creates them
	// up front. Re-running the warm-up must not change the count.
	s := Take(Timeout(0))
	warmUp()
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
}

type fakeM struct{ run func() int }

func (f fakeM) Run() int { return f.run() }

func TestRunReportsLeakAfterAllTests(t *testing.T) {
	var stop, done chan struct{}
	defer func() { close(stop); <-done }()
	code, err := run(fakeM{func() int {
		stop, done = startWorker()
		return 0
	}}, []Option{Timeout(0), IgnoreFDs()})
	if code != 1 || !errors.Is(err, ErrGoroutineLeak) {
		t.Fatalf("run = %d, %v; want 1 and a goroutine leak", code, err)
	}
}

func TestRunKeepsFailureCode(t *testing.T) {
	code, err := run(fakeM{func() int { return 3 }}, nil)
	if code != 3 || err != nil {
		t.Fatalf("run = %d, %v; want 3, nil", code, err)
	}
	code, err = run(fakeM{func() int { return 0 }}, []Option{Timeout(0)})
	if code != 0 || err != nil {
		t.Fatalf("run = %d, %v; want 0, nil", code, err)
	}
}
