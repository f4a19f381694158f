package httpserver

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// A request whose handler never asks for its context gets none, and
// costs no allocation; one that asks gets it, cancelled at the end.
func TestContextNotMadeUnlessAsked(t *testing.T) {
	var last *Request
	ask := false
	fc := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		last = r
		if ask {
			r.Context()
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(wrkHello)
	})})
	req := []byte(wrkGET)
	fc.sc.onData(req) // warm up the connection's buffers
	if allocs := testing.AllocsPerRun(100, func() {
		fc.out.Reset()
		fc.sc.onData(req)
	}); allocs != 0 {
		t.Fatalf("%v allocations per request", allocs)
	}
	if last.ctx != nil || last.cancel != nil {
		t.Fatal("a context was made for a request that did not ask")
	}
	ask = true
	fc.out.Reset()
	fc.sc.onData(req)
	if last.ctx == nil || !errors.Is(context.Cause(last.ctx), ErrResponseEnded) || last.cancel != nil {
		t.Fatal("the context asked for is not cancelled at the end")
	}
}

// TimeoutHandler costs no allocation, and starts no timer, for a
// response that ends within the handler.
func TestTimeoutHandlerSyncFree(t *testing.T) {
	fc := newFakeConn(&Server{Handler: TimeoutHandler(wrkHandler, time.Second, "slow")})
	req := []byte(wrkGET)
	fc.sc.onData(req)
	if allocs := testing.AllocsPerRun(100, func() {
		fc.out.Reset()
		fc.sc.onData(req)
	}); allocs != 0 {
		t.Fatalf("%v allocations per request", allocs)
	}
	if !bytes.Contains(fc.out.Bytes(), wrkHello) {
		t.Fatalf("response %q", fc.out.Bytes())
	}
}
