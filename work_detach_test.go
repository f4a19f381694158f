package eddy

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A job that detaches gives its worker's place back: in a pool of one,
// the queued jobs run while it goes on, and its done still runs when it
// returns. Detaching twice gives back one place only.
func TestWorkDetachable(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithWorkers(1))
	release := make(chan struct{})
	detached := make(chan struct{})
	var running, most atomic.Int32
	var dones []string
	l.NextTick(func() {
		WorkDetachable(l, func(detach func()) (string, error) {
			detach()
			detach()
			close(detached)
			<-release // long-lived: the others must not wait for it
			return "long", nil
		}, func(v string, err error) {
			if err != nil {
				t.Errorf("long: %v", err)
			}
			dones = append(dones, v)
			if len(dones) == 4 {
				l.Stop()
			}
		})
		for range 3 {
			Work(l, func() (string, error) {
				<-detached
				n := running.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				defer running.Add(-1)
				// Wait a little for a second job to come in, as one
				// would if the pool ran two.
				deadline := time.Now().Add(30 * time.Millisecond)
				for running.Load() < 2 && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
				return "short", nil
			}, func(v string, err error) {
				dones = append(dones, v)
				if len(dones) == 3 {
					close(release)
				}
				if len(dones) == 4 {
					l.Stop()
				}
			})
		}
	})
	run(t, l)
	if len(dones) != 4 || dones[3] != "long" {
		t.Fatalf("done order %v, want three short then long", dones)
	}
	if m := most.Load(); m != 1 {
		t.Fatalf("%d queued jobs ran at once in a pool of 1 after a double detach", m)
	}
}
