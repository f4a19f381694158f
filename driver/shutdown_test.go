package driver_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A request queued on a ready connection and cancelled before it is
// written must not keep Shutdown from finishing: nothing is in flight once
// it is dropped.
func TestShutdownAfterCancelledQueued(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	echo(t, cn, "warm", "ECHO warm")
	var f *future.Future[string]
	var done *future.Future[struct{}]
	onLoop(l, func() {
		f = cn.Call(struct{}{}, cmd("ECHO dropped"), 0)
		f.Cancel(errors.New("gone"))
		done = cn.Shutdown(nil)
	})
	c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := done.Await(c); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
