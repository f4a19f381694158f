package httpserver_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// expectEOF fails unless the server closes the connection within 5
// seconds (a reset counts: the server may close with input unread).
func expectEOF(t *testing.T, c net.Conn, r io.Reader) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := io.Copy(io.Discard, r)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection not closed: %d bytes, %v", n, err)
	}
}

func TestHandlerPanicBeforeWrite(t *testing.T) {
	leakcheck.Check(t)
	addr, g := start(t, &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		if r.Path == "/panic" {
			w.Header().Set("X-Half", "set")
			w.WriteString("partial")
			panic("boom")
		}
		w.WriteString("ok")
	})}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "GET /panic HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := readResponse(t, br, "GET")
	if resp.StatusCode != 500 || !resp.Close || strings.Contains(body, "partial") || resp.Header.Get("X-Half") != "" {
		t.Fatalf("status %d close %v body %q header %v", resp.StatusCode, resp.Close, body, resp.Header)
	}
	expectEOF(t, c, br)
	// The loop is unharmed.
	c2, br2 := dial(t, addr)
	io.WriteString(c2, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := readResponse(t, br2, "GET"); body != "ok" {
		t.Fatalf("after the panic: %q", body)
	}
	// The panic is reported as the loop reports any.
	if n := g.Loops()[0].Stats().Panics; n != 1 {
		t.Fatalf("%d panics reported", n)
	}
}

func TestHandlerPanicAfterCommit(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.WriteString("partial")
		w.Flush()
		panic("boom")
	})}, 1)
	wantCutShort(t, addr)
}

func TestStdPanicAfterCommit(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}))}, 1)
	wantCutShort(t, addr)
}

func TestSlowlorisHeaderTimeout(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler(), ReadHeaderTimeout: 200 * time.Millisecond}, 1)
	c, br := dial(t, addr)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, b := range []byte("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("s", 500)) {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	resp, _ := readResponse(t, br, "GET")
	if resp.StatusCode != 408 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	expectEOF(t, c, br)
	c.Close()
	<-done
}

func TestStdEndsWithBodyPaused(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadFull(r.Body, make([]byte, 10))
		time.Sleep(100 * time.Millisecond) // the body fills the bridge
		http.Error(w, "no", 400)
	}))}, 1)
	c, br := dial(t, addr)
	go func() {
		io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n")
		c.Write(make([]byte, 2000000))
	}()
	resp, _ := readResponse(t, br, "POST")
	if resp.StatusCode != 400 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// The connection must not freeze. Most often the rest of the body
	// is more than the server drops, and it closes; but a backend may
	// have read a paused socket's input ahead (io_uring's multishot
	// receive, until its cancellation lands), and with the whole body
	// read the connection rightly goes on to the next request.
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	next, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection neither closed nor answering: %v", err)
	}
	if err == nil {
		next.Body.Close()
		if next.StatusCode != 400 {
			t.Fatalf("next request: status %d", next.StatusCode)
		}
	}
}

func TestExpectContinueAnsweredUnread(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler()}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\nExpect: 100-continue\r\n\r\n")
	resp, _ := readResponse(t, br, "POST")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// A client that sends the body anyway must not have it read as a request.
	io.WriteString(c, "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, _ := io.ReadAll(br); strings.Contains(string(b), "smuggled") {
		t.Fatalf("body parsed as a request: %q", b)
	}
}

func TestStdHeadNoBody(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 40000))
	}))}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	readResponse(t, br, "HEAD")
	if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || len(body) != 40000 {
		t.Fatalf("%d %d", resp.StatusCode, len(body))
	}
}

func TestShutdownWithBodyPending(t *testing.T) {
	leakcheck.Check(t)
	s := &httpserver.Server{Handler: testHandler()}
	g, err := eddy.NewGroup(eddy.WithLoops(1))
	if err != nil {
		t.Fatal(err)
	}
	addr, err := s.Serve(g, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g.Start()
	c, br := dial(t, addr.String())
	io.WriteString(c, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
	readResponse(t, br, "POST")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestWaitCallbackPanic(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		httpserver.Wait(w, r.Loop().Sleep(time.Millisecond), func(struct{}, error) {
			panic("boom")
		})
	})}, 1)
	c, br := dial(t, addr)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, _ := readResponse(t, br, "GET")
	if resp.StatusCode != 500 || !resp.Close {
		t.Fatalf("status %d close %v", resp.StatusCode, resp.Close)
	}
	expectEOF(t, c, br)
}

func TestEndWhileBodyPaused(t *testing.T) {
	leakcheck.Check(t)
	ends := make(chan error, 1)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.Async()
		r.OnBody(func(p []byte) {
			r.PauseBody()
			if !w.Ended() {
				w.WriteHeader(400)
				w.End()
			}
		}, func(err error) { ends <- err })
	})}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789")
	if resp, _ := readResponse(t, br, "POST"); resp.StatusCode != 400 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	select {
	case err := <-ends:
		if err != httpserver.ErrResponseEnded {
			t.Fatalf("end: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("end callback not called")
	}
	// The rest of the body is dropped and the connection serves on.
	io.WriteString(c, "0123456789GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if resp, _ := readResponse(t, br, "POST"); resp.StatusCode != 400 {
		t.Fatalf("second: status %d", resp.StatusCode)
	}
}

// A pipelined head left incomplete does not cut the responses in flight
// before it: they go out, then the 408.
func TestHeaderTimeoutAfterInFlight(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler(), ReadHeaderTimeout: 100 * time.Millisecond}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "GET /delay/400 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || body != "delay 400" {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	if resp, _ := readResponse(t, br, "GET"); resp.StatusCode != 408 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	expectEOF(t, c, br)
}

// An error response to HEAD (here the 408 of a body timeout) carries no
// body either.
func TestHeadErrorResponseHasNoBody(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler(), ReadBodyTimeout: 100 * time.Millisecond}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "HEAD /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if resp, _ := readResponse(t, br, "HEAD"); resp.StatusCode != 408 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if rest, err := io.ReadAll(br); len(rest) > 0 {
		t.Fatalf("bytes after the HEAD response: %q %v", rest, err)
	}
}

// ReadBody reports a chunked body past its limit as soon as it is, not
// at the end of the body, which may never come.
func TestReadBodyLimitChunkedEarly(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		r.ReadBody(100, func(b []byte, err error) {
			if err == httpserver.ErrBodyTooLarge {
				w.WriteHeader(413)
			}
		})
	})}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
	for range 3 {
		io.WriteString(c, "40\r\n"+strings.Repeat("a", 64)+"\r\n")
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if resp, _ := readResponse(t, br, "POST"); resp.StatusCode != 413 || !resp.Close {
		t.Fatalf("status %d close %v", resp.StatusCode, resp.Close)
	}
	expectEOF(t, c, br)
}

// A net/http handler sees the request's trailers once it has read the
// body, as net/http gives them.
func TestStdRequestTrailers(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		io.WriteString(w, string(b)+" "+r.Trailer.Get("X-T"))
	}))}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n5\r\nhello\r\n0\r\nX-T: yes\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, body := readResponse(t, br, "POST"); body != "hello yes" {
		t.Fatalf("%q", body)
	}
}

// Header changes a net/http handler makes after WriteHeader do not reach
// the response, as with net/http (and do not race with the loop).
func TestStdHeaderAfterWriteHeader(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Early", "1")
		w.WriteHeader(201)
		w.Header().Set("X-Late", "1")
		io.WriteString(w, "body")
	}))}, 1)
	c, br := dial(t, addr)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := readResponse(t, br, "GET")
	if resp.StatusCode != 201 || body != "body" || resp.Header.Get("X-Early") != "1" || resp.Header.Get("X-Late") != "" {
		t.Fatalf("%d %q %v", resp.StatusCode, body, resp.Header)
	}
}

// A net/http handler's trailers (declared, or with http.TrailerPrefix)
// are sent after a chunked body, as net/http sends them.
func TestStdResponseTrailers(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		io.WriteString(w, "body")
		w.Header().Set("X-Sum", "42")
		w.Header().Set(http.TrailerPrefix+"X-Other", "yes")
	}))}, 1)
	c, br := dial(t, addr)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	for range 2 {
		resp, body := readResponse(t, br, "GET")
		if body != "body" || resp.Trailer.Get("X-Sum") != "42" || resp.Trailer.Get("X-Other") != "yes" || resp.Header.Get("X-Sum") != "" {
			t.Fatalf("%q trailer %v header %v", body, resp.Trailer, resp.Header)
		}
	}
}

// A panic in a body callback is the handler's too: 500 and a close.
func TestBodyCallbackPanic(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		switch r.Path {
		case "/data":
			r.OnBody(func([]byte) { panic("boom") }, func(error) {})
		default:
			r.ReadBody(0, func([]byte, error) { panic("boom") })
		}
	})}, 1)
	for _, path := range []string{"/data", "/end"} {
		c, br := dial(t, addr)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
		resp, _ := readResponse(t, br, "POST")
		if resp.StatusCode != 500 || !resp.Close {
			t.Fatalf("%s: status %d close %v", path, resp.StatusCode, resp.Close)
		}
		expectEOF(t, c, br)
	}
}

// wantCutShort sends a GET to addr and checks that its response, whose
// head was sent, does not read as complete.
func wantCutShort(t *testing.T, addr string) {
	t.Helper()
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("truncated response read as complete: %q", b)
	}
}
