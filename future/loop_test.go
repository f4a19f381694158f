package future_test

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/loopthread"
)

// testLoop is a minimal event loop for tests: one goroutine, locked to its
// thread and registered with loopthread, running posted functions in
// order. Delay uses time.AfterFunc plus Post.
type testLoop struct {
	mu     sync.Mutex
	q      []func()
	closed bool
	wake   chan struct{}
	done   chan struct{}
	tid    atomic.Uint64
	ready  chan struct{}
	turns  atomic.Int64 // functions run
}

var errLoopClosed = errors.New("testloop: closed")

func newLoop(tb testing.TB) *testLoop {
	l := startLoop()
	tb.Cleanup(l.Close)
	return l
}

func startLoop() *testLoop {
	l := &testLoop{wake: make(chan struct{}, 1), done: make(chan struct{}), ready: make(chan struct{})}
	go l.run()
	<-l.ready
	return l
}

func (l *testLoop) run() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	id := loopthread.Enter()
	l.tid.Store(id)
	close(l.ready)
	defer func() {
		l.tid.Store(0)
		loopthread.Leave(id)
		close(l.done)
	}()
	var batch []func()
	for {
		l.mu.Lock()
		batch, l.q = l.q, batch[:0]
		closed := l.closed
		l.mu.Unlock()
		if len(batch) == 0 {
			if closed {
				return
			}
			<-l.wake
			continue
		}
		for i, fn := range batch {
			batch[i] = nil
			fn()
			l.turns.Add(1)
		}
	}
}

// Post implements future.Executor.
func (l *testLoop) Post(fn func()) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return errLoopClosed
	}
	l.q = append(l.q, fn)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return nil
}

// OnLoop implements future.Executor.
func (l *testLoop) OnLoop() bool { return l.tid.Load() == loopthread.Current() }

// Delay implements future.Executor. Loop-only.
func (l *testLoop) Delay(d time.Duration, fn func()) (cancel func()) {
	canceled := false // loop-only
	t := time.AfterFunc(d, func() {
		_ = l.Post(func() {
			if !canceled {
				fn()
			}
		})
	})
	return func() {
		canceled = true
		t.Stop()
	}
}

// Close stops the loop after the functions already posted have run.
func (l *testLoop) Close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	<-l.done
}

// Do runs fn on the loop and waits for it.
func (l *testLoop) Do(fn func()) {
	done := make(chan struct{})
	if err := l.Post(func() { defer close(done); fn() }); err != nil {
		panic(err)
	}
	<-done
}

// Sync waits until everything posted so far, and what it posts in turn
// within a few rounds, has run.
func (l *testLoop) Sync() {
	for range 3 {
		l.Do(func() {})
	}
}

// TestMain checks that the tests leave no goroutine behind.
func TestMain(m *testing.M) {
	// Tests that leave rejections unhandled on purpose would otherwise log
	// them; the tests of the handler install their own.
	future.SetUnhandledRejectionHandler(func(error) {})
	before, _ := countGoroutines()
	code := m.Run()
	if code == 0 {
		if err := waitGoroutines(before, 5*time.Second); err != nil {
			os.Stderr.WriteString(err.Error())
			code = 1
		}
	}
	os.Exit(code)
}

// ignoredGoroutines are started by the testing framework itself (the fuzz
// coordinator's signal handling), not by the code under test.
var ignoredGoroutines = []string{"os/signal.loop", "testing.(*F).Fuzz", "testing.runFuzzTests"}

// countGoroutines counts the goroutines other than the ignored ones and
// returns their stacks.
func countGoroutines() (int, string) {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	var kept []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		ignore := false
		for _, s := range ignoredGoroutines {
			if strings.Contains(g, s) {
				ignore = true
			}
		}
		if !ignore {
			n++
			kept = append(kept, g)
		}
	}
	return n, strings.Join(kept, "\n\n")
}

func waitGoroutines(want int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		n, stacks := countGoroutines()
		if n <= want {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("leaked goroutines:\n" + stacks)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
