package web_test

import (
	"errors"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// An after hook's rejected future reaches the unhandled-rejection
// handler, as AfterHook documents, also when a later hook waits for it
// to finish.
func TestAfterHookRejectionReported(t *testing.T) {
	leakcheck.Check(t)
	errFirst := errors.New("first after hook failed")
	reported := make(chan error, 4)
	prev := future.SetUnhandledRejectionHandler(func(err error) { reported <- err })
	defer future.SetUnhandledRejectionHandler(prev)
	ran := make(chan struct{}, 1)
	rt := web.New()
	rt.After(func(c *web.Ctx) *future.Future[struct{}] {
		return future.Rejected[struct{}](c.R.Loop(), errFirst)
	})
	rt.After(func(c *web.Ctx) *future.Future[struct{}] {
		ran <- struct{}{}
		return nil
	})
	rt.Get("/", func(c *web.Ctx) { c.Text(200, "ok") })
	base, cl := serve(t, rt)
	if r := do(t, cl, "GET", base+"/", ""); r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	<-ran // the second hook ran once the first had finished
	select {
	case err := <-reported:
		if !errors.Is(err, errFirst) {
			t.Fatalf("reported %v, want %v", err, errFirst)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first hook's rejection was never reported")
	}
}
