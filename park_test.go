package eddy_test

import (
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestPostRoundTripsNeverStall hands work to an idle loop from several
// goroutines many thousands of times, with the loop parked in the Go
// scheduler (the default) and with it locked to its thread. Each hand-off
// races the loop going back to sleep; a wakeup lost in that race would
// leave a poster waiting for ever, which the liveness bound catches.
func TestPostRoundTripsNeverStall(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []eddy.Option
	}{
		{"parked", nil},
		{"locked", []eddy.Option{eddy.WithLockedThread()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakcheck.Check(t)
			l, err := eddy.New(append(tc.opts, eddy.WithKeepAlive())...)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- l.Run() }()
			const posters, rounds = 2, 20000
			var wg sync.WaitGroup
			var mu sync.Mutex
			total := 0
			for p := 0; p < posters; p++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ch := make(chan bool, 1)
					for i := 0; i < rounds; i++ {
						if err := l.Post(func() { ch <- l.OnLoop() }); err != nil {
							t.Error(err)
							return
						}
						select {
						case onLoop := <-ch:
							if !onLoop {
								t.Error("posted function did not run on the loop goroutine")
								return
							}
						case <-time.After(5 * time.Second):
							t.Error("a posted function never ran: lost wakeup")
							return
						}
						if l.OnLoop() {
							t.Error("OnLoop true on a poster goroutine")
							return
						}
						mu.Lock()
						total++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			l.Stop()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if total != posters*rounds {
				t.Fatalf("%d round trips completed, want %d", total, posters*rounds)
			}
		})
	}
}
