package httpserver

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
)

// An asynchronous response whose connection closes before it ends still
// runs its OnEnd callbacks when the handler ends it.
func TestOnEndAfterConnClosed(t *testing.T) {
	var w0 *ResponseWriter
	ends := 0
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.Async()
		w.OnEnd(func() { ends++ })
		w.OnEnd(func() { ends += 10 })
		w0 = w
	})}
	f := newFakeConn(s)
	f.feed([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.closed = true
	f.settle()
	if !f.sc.closed {
		t.Fatal("connection not closed")
	}
	if ends != 0 {
		t.Fatalf("OnEnd ran before End: %d", ends)
	}
	w0.End()
	if ends != 11 {
		t.Fatalf("OnEnd callbacks after End on a closed connection: got %d, want 11", ends)
	}
	w0.End()
	if ends != 11 {
		t.Fatalf("OnEnd callbacks ran twice: %d", ends)
	}
}

// Every OnAbort registrant, Wait's included, is told when the
// connection closes first.
func TestOnAbortEveryRegistrant(t *testing.T) {
	var calls []string
	var fut *future.Future[int]
	waited := error(nil)
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.OnAbort(func() { calls = append(calls, "a") })
		var p *future.Promise[int]
		fut, p = future.New[int](nil)
		_ = p
		Wait(w, fut, func(_ int, err error) { waited = err })
		w.OnAbort(func() { calls = append(calls, "b") })
	})}
	f := newFakeConn(s)
	f.feed([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.closed = true
	f.settle()
	if len(calls) != 2 || calls[0] != "a" || calls[1] != "b" {
		t.Fatalf("abort callbacks: %v", calls)
	}
	if !errors.Is(waited, ErrConnClosed) {
		t.Fatalf("Wait's future not cancelled with ErrConnClosed: %v", waited)
	}
}

// OnAbort callbacks do not run for a response that ended normally.
func TestOnAbortNotAfterEnd(t *testing.T) {
	aborted := false
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.OnAbort(func() { aborted = true })
		w.WriteString("ok")
	})}
	f := newFakeConn(s)
	f.feed([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.closed = true
	f.settle()
	if aborted {
		t.Fatal("OnAbort ran for an ended response")
	}
}

// A response that ends the connection while the transport's queue is
// full is sent whole before the close.
func TestCloseWaitsForQueuedOutput(t *testing.T) {
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.WriteString(strings.Repeat("x", 10000))
	})}
	f := newFakeConn(s)
	f.full = true
	f.feed([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
	if f.closed {
		t.Fatal("closed with the response still queued")
	}
	f.drain()
	if !f.closed || !strings.HasSuffix(f.out.String(), strings.Repeat("x", 10000)) {
		t.Fatalf("closed %v, %d bytes out", f.closed, f.out.Len())
	}
}

// A flushed (chunked) response to HEAD sends its head only: no body
// bytes and no last chunk, so that the next response on the connection
// is framed right.
func TestHeadChunkedSendsNoLastChunk(t *testing.T) {
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.WriteString("part")
		w.Flush()
		w.WriteString("more")
	})}
	_, out := run(s, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
	head := "HTTP/1.1 200 OK\r\n" + date + "Transfer-Encoding: chunked\r\n\r\n"
	if !strings.HasPrefix(out, head+"HTTP/1.1 200 OK\r\n") {
		t.Fatalf("got %q", out)
	}
}

// The Date field follows the clock a second at a time.
func TestDateCachedPerSecond(t *testing.T) {
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {})}
	f := newFakeConn(s)
	get := func() string {
		f.out.Reset()
		f.feed([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		out := f.out.String()
		i := strings.Index(out, "Date: ")
		if i < 0 {
			t.Fatalf("no Date in %q", out)
		}
		return out[i : i+strings.Index(out[i:], "\r\n")]
	}
	first := get()
	if first != "Date: Fri, 02 Jan 2026 03:04:05 GMT" {
		t.Fatalf("got %q", first)
	}
	f.now = f.now.Add(999 * time.Millisecond)
	if d := get(); d != first {
		t.Fatalf("within the second: %q", d)
	}
	f.now = f.now.Add(time.Millisecond)
	if d := get(); d != "Date: Fri, 02 Jan 2026 03:04:06 GMT" {
		t.Fatalf("next second: %q", d)
	}
}

// The idle timeout does not cut a response still being written (a
// large file to a slow reader); it counts once the output has gone.
func TestIdleWaitsForOutput(t *testing.T) {
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) { w.WriteString("x") }), IdleTimeout: 2 * time.Second}
	f := newFakeConn(s)
	f.feed([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.buffered = 1 << 20
	f.now = f.now.Add(3 * time.Second)
	f.sc.onTimer()
	if f.closed {
		t.Fatal("closed while the response was still going out")
	}
	f.buffered = 0
	f.now = f.now.Add(3 * time.Second)
	f.sc.onTimer()
	if !f.closed {
		t.Fatal("idle connection not closed")
	}
}
