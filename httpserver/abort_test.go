package httpserver_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A client that hangs up while its response waits: every OnAbort
// callback runs, Wait's future is cancelled, and the OnEnd callbacks run
// when the handler ends the response on the closed connection.
func TestAbortAndEndOnClosedConn(t *testing.T) {
	leakcheck.Check(t)
	type report struct {
		aborts  []string
		waitErr error
		ends    int
	}
	done := make(chan report, 1)
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		rep := &report{}
		w.OnEnd(func() { rep.ends++; done <- *rep })
		w.OnAbort(func() { rep.aborts = append(rep.aborts, "first") })
		f, _ := future.New[int](r.Loop())
		httpserver.Wait(w, f, func(_ int, err error) {
			rep.waitErr = err
			// The connection is gone: the handler goes on and ends
			// the response itself later.
			w.Async()
			r.Loop().AfterFunc(time.Millisecond, w.End)
		})
		w.OnAbort(func() { rep.aborts = append(rep.aborts, "second") })
	})
	addr, _ := start(t, &httpserver.Server{Handler: h}, 1)
	c, _ := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(20 * time.Millisecond) // let the request arrive before the hang-up
	c.Close()
	select {
	case rep := <-done:
		if len(rep.aborts) != 2 || rep.aborts[0] != "first" || rep.aborts[1] != "second" {
			t.Fatalf("aborts %v", rep.aborts)
		}
		if !errors.Is(rep.waitErr, httpserver.ErrConnClosed) {
			t.Fatalf("Wait got %v", rep.waitErr)
		}
		if rep.ends != 1 {
			t.Fatalf("ends %d", rep.ends)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnEnd never ran")
	}
}
