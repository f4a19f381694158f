package httpserver_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// waitDone waits for ctx to end and returns its cause.
func waitDone(t *testing.T, ctx context.Context) error {
	t.Helper()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-time.After(10 * time.Second):
		t.Fatal("context not cancelled")
		return nil
	}
}

// A request's context ends, with ErrConnClosed as its cause, when the
// client goes away while an asynchronous handler runs.
func TestContextCancelledOnDisconnect(t *testing.T) {
	leakcheck.Check(t)
	ctxs := make(chan context.Context, 1)
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.Async() // never ends: only the client's going ends it
		ctxs <- r.Context()
	})
	addr, _ := start(t, &httpserver.Server{Handler: h}, 1)
	c, _ := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	ctx := <-ctxs
	if ctx.Err() != nil {
		t.Fatalf("cancelled while the handler runs: %v", context.Cause(ctx))
	}
	c.Close()
	if cause := waitDone(t, ctx); !errors.Is(cause, httpserver.ErrConnClosed) {
		t.Fatalf("cause %v, want ErrConnClosed", cause)
	}
}

// The context ends with ErrResponseEnded once the response has ended,
// not before: for a synchronous handler and for one that answers after
// an asynchronous step.
func TestContextCancelledAtEnd(t *testing.T) {
	leakcheck.Check(t)
	type seen struct {
		ctx    context.Context
		during error // ctx.Err() while the response was being written
	}
	got := make(chan seen, 2)
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		ctx := r.Context()
		if r.Path == "/sync" {
			w.WriteString("sync")
			got <- seen{ctx, ctx.Err()}
			return
		}
		httpserver.Wait(w, r.Loop().Sleep(5*time.Millisecond), func(struct{}, error) {
			w.WriteString("async")
			got <- seen{ctx, ctx.Err()}
		})
	})
	addr, _ := start(t, &httpserver.Server{Handler: h}, 1)
	c, br := dial(t, addr)
	for _, p := range []string{"/sync", "/async"} {
		io.WriteString(c, "GET "+p+" HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, body := readResponse(t, br, "GET"); body != p[1:] {
			t.Fatalf("%s: %q", p, body)
		}
		s := <-got
		if s.during != nil {
			t.Fatalf("%s: cancelled before the end: %v", p, s.during)
		}
		if cause := waitDone(t, s.ctx); !errors.Is(cause, httpserver.ErrResponseEnded) {
			t.Fatalf("%s: cause %v, want ErrResponseEnded", p, cause)
		}
	}
}

// A recycled Request (a keep-alive connection reuses it for its next
// request) gets a new context; the old one stays done.
func TestContextRecycledRequest(t *testing.T) {
	leakcheck.Check(t)
	type seen struct {
		r   *httpserver.Request
		ctx context.Context
	}
	got := make(chan seen, 2)
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		ctx := r.Context()
		if ctx.Err() != nil {
			panic("a new request's context is done")
		}
		got <- seen{r, ctx}
		w.WriteString("ok")
	})
	addr, _ := start(t, &httpserver.Server{Handler: h}, 1)
	c, br := dial(t, addr)
	var s [2]seen
	for i := range s {
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		s[i] = <-got
	}
	if s[0].r != s[1].r {
		t.Fatal("the request was not recycled: the test tests nothing")
	}
	if s[0].ctx == s[1].ctx {
		t.Fatal("a recycled request handed out its old context")
	}
	for i := range s {
		if cause := waitDone(t, s[i].ctx); !errors.Is(cause, httpserver.ErrResponseEnded) {
			t.Fatalf("request %d: cause %v", i, cause)
		}
	}
}

type ctxKey struct{}

// Server.BaseContext is the parent of the requests' contexts: its values
// are seen, and its end ends them.
func TestBaseContext(t *testing.T) {
	leakcheck.Check(t)
	base, cancelBase := context.WithCancelCause(context.WithValue(context.Background(), ctxKey{}, "base"))
	defer cancelBase(nil)
	ctxs := make(chan context.Context, 1)
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.Async()
		ctxs <- r.Context()
		w.OnAbort(func() {}) // nothing: the client closes at the end of the test
	})
	addr, _ := start(t, &httpserver.Server{Handler: h, BaseContext: func() context.Context { return base }}, 1)
	c, _ := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	ctx := <-ctxs
	if v, _ := ctx.Value(ctxKey{}).(string); v != "base" {
		t.Fatalf("value %q", v)
	}
	stop := errors.New("base stopped")
	cancelBase(stop)
	if cause := waitDone(t, ctx); cause != stop {
		t.Fatalf("cause %v", cause)
	}
}

// timeoutServer serves, under TimeoutHandler (50 ms), /hang (never ends
// by itself; at 200 ms it writes again and reports the error on late),
// /stream (sends its head and part of a body, then hangs), /slow (ends
// after 5 ms) and anything else at once. The contexts of /hang and
// /stream are sent on ctxs.
func timeoutServer(t *testing.T, d time.Duration, late chan<- error, ctxs chan<- context.Context) string {
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		switch r.Path {
		case "/hang":
			w.Header().Set("X-Hang", "1")
			w.WriteString("partial")
			w.Async()
			ctxs <- r.Context()
			r.Loop().AfterFunc(200*time.Millisecond, func() {
				w.WriteHeader(200)
				_, err := w.WriteString("late")
				if ferr := w.Flush(); !errors.Is(ferr, httpserver.ErrHandlerTimeout) {
					err = errors.Join(err, ferr)
				}
				w.End()
				late <- err
			})
		case "/stream":
			w.WriteString("head and some")
			w.Flush()
			w.Async()
			ctxs <- r.Context()
		case "/slow":
			httpserver.Wait(w, r.Loop().Sleep(5*time.Millisecond), func(struct{}, error) { w.WriteString("slow") })
		case "/timers":
			// The loop's pending timers, as published before its
			// last sleep: after the previous response had gone.
			w.Write([]byte(strings.Repeat("t", r.Loop().Stats().Timers)))
		default:
			w.WriteString("fast " + r.Path)
		}
	})
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.TimeoutHandler(h, d, "too slow\n")}, 1)
	return addr
}

// A handler that has not committed its response by the deadline: the
// client gets 503 with the message, the context ends with
// ErrHandlerTimeout (and context.DeadlineExceeded), the handler's later
// writes report ErrHandlerTimeout and reach nobody, and the connection
// answers its next request.
func TestTimeoutHandlerBeforeCommit(t *testing.T) {
	leakcheck.Check(t)
	late := make(chan error, 1)
	ctxs := make(chan context.Context, 1)
	addr := timeoutServer(t, 50*time.Millisecond, late, ctxs)
	c, br := dial(t, addr)
	io.WriteString(c, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := readResponse(t, br, "GET")
	if resp.StatusCode != 503 || body != "too slow\n" || resp.Close ||
		resp.Header.Get("X-Hang") != "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("%d close=%v %v %q", resp.StatusCode, resp.Close, resp.Header, body)
	}
	ctx := <-ctxs
	cause := waitDone(t, ctx)
	if !errors.Is(cause, httpserver.ErrHandlerTimeout) || !errors.Is(cause, context.DeadlineExceeded) {
		t.Fatalf("cause %v", cause)
	}
	if err := <-late; !errors.Is(err, httpserver.ErrHandlerTimeout) {
		t.Fatalf("late write: %v", err)
	}
	io.WriteString(c, "GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || body != "fast /next" {
		t.Fatalf("next request: %d %q", resp.StatusCode, body)
	}
}

// Requests pipelined behind one that times out are answered, in order.
func TestTimeoutHandlerPipelined(t *testing.T) {
	leakcheck.Check(t)
	late := make(chan error, 1)
	ctxs := make(chan context.Context, 1)
	addr := timeoutServer(t, 50*time.Millisecond, late, ctxs)
	c, br := dial(t, addr)
	io.WriteString(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /hang HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, want := range []string{"200 fast /a", "503 too slow\n", "200 slow", "200 fast /b"} {
		resp, body := readResponse(t, br, "GET")
		if got := resp.Status[:3] + " " + body; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	<-late
}

// A handler whose response has begun (a stream) by the deadline is cut
// short: the client sees the body end early and the connection close.
func TestTimeoutHandlerCommittedStream(t *testing.T) {
	leakcheck.Check(t)
	ctxs := make(chan context.Context, 1)
	addr := timeoutServer(t, 50*time.Millisecond, nil, ctxs)
	c, br := dial(t, addr)
	io.WriteString(c, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(resp.Body)
	if string(b) != "head and some" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("body %q, %v: want it cut short", b, err)
	}
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after the cut: %d %v", n, err)
	}
	if cause := waitDone(t, <-ctxs); !errors.Is(cause, httpserver.ErrHandlerTimeout) {
		t.Fatalf("cause %v", cause)
	}
}

// TimeoutHandler leaves no timer behind, for a response that ends
// before the deadline, or one that times out.
func TestTimeoutHandlerNoTimerLeft(t *testing.T) {
	leakcheck.Check(t)
	late := make(chan error, 1)
	ctxs := make(chan context.Context, 1)
	addr := timeoutServer(t, 10*time.Second, late, ctxs)
	c, br := dial(t, addr)
	timers := func() int {
		io.WriteString(c, "GET /timers HTTP/1.1\r\nHost: x\r\n\r\n")
		_, body := readResponse(t, br, "GET")
		return len(body)
	}
	before := timers()
	for range 3 {
		io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, body := readResponse(t, br, "GET"); body != "slow" {
			t.Fatalf("%q", body)
		}
	}
	if after := timers(); after != before {
		t.Fatalf("%d timers pending after the responses, %d before", after, before)
	}
}

// A net/http handler run by Std sees the request's context: its values
// (BaseContext) and its end when the client goes away, with the cause.
func TestStdContextFromRequest(t *testing.T) {
	leakcheck.Check(t)
	base := context.WithValue(context.Background(), ctxKey{}, "base")
	got := make(chan string, 2)
	h := httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, _ := r.Context().Value(ctxKey{}).(string)
		got <- v
		select {
		case <-r.Context().Done():
			got <- context.Cause(r.Context()).Error()
		case <-time.After(10 * time.Second):
			got <- "not cancelled"
		}
	}))
	addr, _ := start(t, &httpserver.Server{Handler: h, BaseContext: func() context.Context { return base }}, 1)
	c, _ := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if v := <-got; v != "base" {
		t.Fatalf("value %q", v)
	}
	c.Close()
	select {
	case cause := <-got:
		if cause != httpserver.ErrConnClosed.Error() {
			t.Fatalf("cause %q", cause)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("context not cancelled")
	}
}

// Std under TimeoutHandler: the net/http handler's context ends with
// ErrHandlerTimeout, and the client gets the 503.
func TestStdTimeoutHandler(t *testing.T) {
	leakcheck.Check(t)
	got := make(chan error, 1)
	h := httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		got <- context.Cause(r.Context())
		w.Write([]byte("too late"))
	}))
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.TimeoutHandler(h, 50*time.Millisecond, "timeout")}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 503 || body != "timeout" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	if err := <-got; !errors.Is(err, httpserver.ErrHandlerTimeout) {
		t.Fatalf("cause %v", err)
	}
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 503 || body != "timeout" {
		t.Fatalf("second: %d %q", resp.StatusCode, body)
	}
	<-got
}

// A net/http handler that hijacks its connection keeps its context until
// it returns, as with net/http, though Hijack ends the response (and the
// request's context).
func TestStdHijackKeepsContext(t *testing.T) {
	leakcheck.Check(t)
	got := make(chan string, 1)
	h := httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			got <- err.Error()
			return
		}
		defer nc.Close()
		io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
		if _, err := brw.ReadByte(); err != nil { // the client's go-ahead
			got <- err.Error()
			return
		}
		got <- fmt.Sprint(r.Context().Err())
	}))
	addr, _ := start(t, &httpserver.Server{Handler: h}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := readResponse(t, br, "GET"); body != "hi" {
		t.Fatalf("%q", body)
	}
	io.WriteString(c, "x")
	if s := <-got; s != "<nil>" {
		t.Fatalf("context after Hijack: %s", s)
	}
}
