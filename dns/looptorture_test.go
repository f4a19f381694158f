package dns_test

import (
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/dns"
)

// TestTortureOnLoop runs TestTorture's hostile servers and random lookups
// against the resolver of a real eddy loop: its own UDP and TCP sockets
// and timers, on the poller EDDY_POLLER selects (io_uring with
// EDDY_POLLER=uring). At the end the loop, holding nothing else, must
// end by itself once the resolver is closed.
func TestTortureOnLoop(t *testing.T) {
	dns.Torture(t, func(t *testing.T) dns.TortureLoop {
		l, err := eddy.New()
		if err != nil {
			t.Fatal(err)
		}
		tl := &tortureLoop{t: t, l: l, ran: make(chan error, 1)}
		if err := l.Post(l.Ref); err != nil { // held until Finish
			t.Fatal(err)
		}
		go func() { tl.ran <- l.Run() }()
		t.Cleanup(func() {
			if !tl.finished {
				l.Stop()
				<-tl.ran
			}
		})
		return tl
	})
}

type tortureLoop struct {
	t        *testing.T
	l        *eddy.Loop
	ran      chan error
	finished bool
}

func (tl *tortureLoop) Resolver(cfg dns.Config) (r *dns.Resolver) {
	tl.Do(func() {
		tl.l.SetResolverConfig(cfg)
		r = tl.l.Resolver()
	})
	return r
}

func (tl *tortureLoop) Do(fn func()) {
	done := make(chan struct{})
	if err := tl.l.Post(func() { fn(); close(done) }); err != nil {
		tl.t.Fatalf("Post: %v", err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second): // a hang guard
		tl.t.Fatal("the loop did not run a posted function")
	}
}

func (tl *tortureLoop) Finish() {
	tl.Do(tl.l.Unref)
	select {
	case err := <-tl.ran:
		tl.finished = true
		if err != nil {
			tl.t.Errorf("Run: %v", err)
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		tl.t.Fatalf("the resolver was closed and every lookup called back, yet the loop stays alive: %+v", tl.l.Stats())
	}
}
