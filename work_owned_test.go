package eddy

import (
	"context"
	"errors"
	"testing"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A result that arrives after the loop has stopped is released, not
// dropped, and the future is rejected so that Await returns.
func TestSubmitOwnedLoopStopped(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	unblock := make(chan struct{})
	released := make(chan int, 2)
	var owned, plain *future.Future[int]
	var doneRan bool
	l.NextTick(func() {
		owned = SubmitOwned(l, func() (int, error) { <-unblock; return 1, nil }, func(v int) { released <- v })
		plain = Submit(l, func() (int, error) { <-unblock; return 2, nil })
		WorkOwned(l, func() (int, error) { <-unblock; return 3, nil },
			func(int, error) { doneRan = true },
			func(v int) { released <- v })
		l.Stop()
	})
	run(t, l)
	close(unblock)
	got := map[int]bool{<-released: true, <-released: true}
	if !got[1] || !got[3] {
		t.Fatalf("released %v, want 1 and 3", got)
	}
	if doneRan {
		t.Fatal("done ran after the loop stopped")
	}
	awaited := make(chan struct{})
	go func() {
		defer close(awaited)
		for _, f := range []*future.Future[int]{owned, plain} {
			if _, err := f.Await(context.Background()); !errors.Is(err, ErrLoopClosed) {
				t.Errorf("Await: %v, want ErrLoopClosed", err)
			}
		}
	}()
	hangGuard(t, "Await of work whose loop stopped", awaited)
}

// A result whose future was cancelled while fn ran is released on the
// loop; one that came with an error is not released.
func TestSubmitOwnedCancelled(t *testing.T) {
	l := newLoop(t)
	var released []int
	var onLoop bool
	l.NextTick(func() {
		f := SubmitOwned(l, func() (int, error) { return 7, nil }, func(v int) {
			released = append(released, v)
			onLoop = l.OnLoop()
		})
		f.Cancel(nil)
		SubmitOwned(l, func() (int, error) { return 8, errors.New("failed") }, func(v int) {
			released = append(released, v)
		})
	})
	run(t, l)
	if len(released) != 1 || released[0] != 7 || !onLoop {
		t.Fatalf("released %v (on the loop: %v), want [7] on the loop", released, onLoop)
	}
}
