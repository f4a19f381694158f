package httpserver_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A net/http handler under TimeoutHandler that ignores its context and
// streams to a client that reads nothing: when the timeout cuts the
// response short, its write waiting for the connection to take more
// fails, so the handler returns instead of waiting for ever on a
// response that has ended.
func TestStdTimeoutReleasesBlockedWrite(t *testing.T) {
	leakcheck.Check(t)
	done := make(chan error, 1)
	h := httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("s"), 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				done <- err
				return
			}
		}
	}))
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.TimeoutHandler(h, 300*time.Millisecond, "")}, 1)
	c, _ := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // and read nothing
	select {
	case err := <-done:
		if !errors.Is(err, httpserver.ErrHandlerTimeout) {
			t.Fatalf("the blocked write failed with %v, want ErrHandlerTimeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler's write still waits after the timeout ended its response")
	}
}

// An asynchronous handler waiting for OnWritable when the timeout cuts
// its response short is called back, and its next write reports
// ErrHandlerTimeout, as OnWritable promises for a connection that
// closes: else it never learns, and whatever it holds (a file it
// streams from, say) is never released.
func TestTimeoutHandlerCallsPendingOnWritable(t *testing.T) {
	leakcheck.Check(t)
	done := make(chan error, 1)
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		chunk := bytes.Repeat([]byte("s"), 64<<10)
		w.Async()
		var pump func()
		pump = func() {
			for {
				_, err := w.Write(chunk)
				if err == eddy.ErrQueueFull {
					w.OnWritable(pump)
					return
				}
				if err != nil {
					done <- err
					return
				}
			}
		}
		pump()
	})
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.TimeoutHandler(h, 300*time.Millisecond, "")}, 1)
	c, _ := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // and read nothing
	select {
	case err := <-done:
		if !errors.Is(err, httpserver.ErrHandlerTimeout) {
			t.Fatalf("write after the timeout: %v, want ErrHandlerTimeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the OnWritable callback was never called after the timeout")
	}
}

// A net/http handler under TimeoutHandler that reads the request body
// only after the timeout has given up on its response must not see a
// whole, empty body (the server drops the body once the response has
// ended), nor wait for ever: its read fails. /wait reads once its
// context has ended; /write first writes until a write fails, then
// reads.
func TestStdTimeoutBodyReadAfterTimeoutFails(t *testing.T) {
	leakcheck.Check(t)
	type read struct {
		body string
		err  error
	}
	got := make(chan read, 1)
	h := httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		if r.URL.Path == "/write" {
			chunk := bytes.Repeat([]byte("w"), 4096)
			for {
				if _, err := w.Write(chunk); err != nil {
					break
				}
			}
		}
		b, err := io.ReadAll(r.Body)
		got <- read{string(b), err}
	}))
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.TimeoutHandler(h, 50*time.Millisecond, "to")}, 1)
	for _, p := range []string{"/wait", "/write"} {
		c, br := dial(t, addr)
		io.WriteString(c, "POST "+p+" HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
		if resp, body := readResponse(t, br, "POST"); resp.StatusCode != 503 || body != "to" {
			t.Fatalf("%s: %d %q", p, resp.StatusCode, body)
		}
		select {
		case r := <-got:
			if r.err == nil {
				t.Fatalf("%s: the body read after the timeout gave %q and no error", p, r.body)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the handler's body read never returned", p)
		}
		// The connection goes on.
		io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, _ := readResponse(t, br, "GET"); resp.StatusCode != 503 {
			t.Fatalf("%s: next: %d", p, resp.StatusCode)
		}
		<-got
	}
}

// The context that ServeTimeout's answer asks for, when the handler
// never asked for one, has ended with ErrHandlerTimeout, as the
// handler's would have: it is the request's context, which the handler
// asking later gets too.
func TestServeTimeoutAnswerContext(t *testing.T) {
	leakcheck.Check(t)
	causes := make(chan error, 2)
	answer := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		ctx := r.Context()
		if ctx.Err() == nil {
			causes <- errors.New("the answer's context has not ended")
		} else {
			causes <- context.Cause(ctx)
		}
		w.WriteHeader(503)
	})
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		httpserver.ServeTimeout(w, 50*time.Millisecond, func() {
			w.Async()
			r.Loop().AfterFunc(100*time.Millisecond, func() { causes <- context.Cause(r.Context()) })
		}, answer)
	})
	addr, _ := start(t, &httpserver.Server{Handler: h}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, _ := readResponse(t, br, "GET"); resp.StatusCode != 503 {
		t.Fatalf("%d", resp.StatusCode)
	}
	for _, who := range []string{"answer", "handler"} {
		if cause := <-causes; !errors.Is(cause, httpserver.ErrHandlerTimeout) {
			t.Fatalf("%s: cause %v, want ErrHandlerTimeout", who, cause)
		}
	}
}

// A net/http handler under TimeoutHandler that aborts (panics with
// http.ErrAbortHandler) long after the timeout answered for it must not
// close its connection, which has gone on to other requests: its
// response is over, and net/http's TimeoutHandler drops such a panic
// too.
func TestStdLateAbortAfterTimeoutKeepsConn(t *testing.T) {
	leakcheck.Check(t)
	aborting := make(chan struct{})
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.WriteString("fast")
	})
	std := httpserver.TimeoutHandler(httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		close(aborting)
		panic(http.ErrAbortHandler)
	})), 50*time.Millisecond, "to")
	outer := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		if r.Path == "/std" {
			std.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
	addr, _ := start(t, &httpserver.Server{Handler: outer}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "GET /std HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 503 || body != "to" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	<-aborting
	time.Sleep(100 * time.Millisecond) // for the abort to reach the loop: not needed to pass
	for i := range 2 {
		io.WriteString(c, "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d after the late abort: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != "fast" || resp.Close {
			t.Fatalf("request %d after the late abort: %d close=%v %q", i, resp.StatusCode, resp.Close, b)
		}
	}
}

// TimeoutHandler's 503 keeps the header fields the layers around it set
// before it ran, and drops the handler's, as net/http's does.
func TestTimeoutHandlerKeepsOuterFields(t *testing.T) {
	leakcheck.Check(t)
	th := httpserver.TimeoutHandler(httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("X-Inner", "1")
		w.Header().Add("X-Outer", "inner")
		w.Async() // never answers
	}), 50*time.Millisecond, "to")
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("X-Outer", "1")
		th.ServeHTTP(w, r)
	})
	addr, _ := start(t, &httpserver.Server{Handler: h}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := readResponse(t, br, "GET")
	if resp.StatusCode != 503 || body != "to" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	if v := resp.Header.Values("X-Outer"); len(v) != 1 || v[0] != "1" || resp.Header.Get("X-Inner") != "" {
		t.Fatalf("header %v: want the outer field alone", resp.Header)
	}
}

// A handler that first asks for its context in the body callback that
// ReadBodyTimeout failed gets it ended with ErrTimeout, the cause it
// would have had if it had asked before.
func TestContextAskedAfterBodyTimeout(t *testing.T) {
	leakcheck.Check(t)
	causes := make(chan error, 1)
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		r.ReadBody(0, func(_ []byte, err error) {
			ctx := r.Context()
			if ctx.Err() == nil {
				causes <- errors.Join(err, errors.New("context not ended"))
				return
			}
			causes <- context.Cause(ctx)
		})
	})
	addr, _ := start(t, &httpserver.Server{Handler: h, ReadBodyTimeout: 50 * time.Millisecond}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345") // and stall
	if resp, _ := readResponse(t, br, "POST"); resp.StatusCode != 408 {
		t.Fatalf("%d", resp.StatusCode)
	}
	if cause := <-causes; !errors.Is(cause, httpserver.ErrTimeout) {
		t.Fatalf("cause %v, want ErrTimeout", cause)
	}
}
