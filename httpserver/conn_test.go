package httpserver

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// echoHandler answers with the method, path and body it read.
func echoHandler() Handler {
	return HandlerFunc(func(w *ResponseWriter, r *Request) {
		r.ReadBody(1<<20, func(body []byte, err error) {
			if err != nil {
				w.WriteHeader(413)
				return
			}
			fmt.Fprintf(w, "%s %s %q", r.Method, r.Target, body)
		})
	})
}

func run(s *Server, in string) (*fakeConn, string) {
	f := newFakeConn(s)
	f.feed([]byte(in))
	return f, f.out.String()
}

const date = "Date: Fri, 02 Jan 2026 03:04:05 GMT\r\n"

func TestSimpleResponse(t *testing.T) {
	f, out := run(&Server{Handler: echoHandler()}, "GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n")
	want := "HTTP/1.1 200 OK\r\n" + date + "Content-Length: 11\r\n\r\nGET /a?b \"\""
	if out != want {
		t.Fatalf("got %q\nwant %q", out, want)
	}
	if f.closed {
		t.Fatal("keep-alive connection closed")
	}
}

func TestPipelinedSplitEverywhere(t *testing.T) {
	in := "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
		"POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n" +
		"HEAD /4 HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" +
		"GET /ignored HTTP/1.1\r\nHost: x\r\n\r\n"
	s := &Server{Handler: echoHandler()}
	_, want := run(s, in)
	for _, p := range []string{`/1 ""`, `/2 "hello"`, `/3 "abcde"`, "Connection: close"} {
		if !strings.Contains(want, p) {
			t.Fatalf("output lacks %q: %q", p, want)
		}
	}
	if strings.Contains(want, "ignored") || strings.Count(want, "HTTP/1.1 200") != 5 {
		t.Fatalf("bad output %q", want)
	}
	for i := 0; i <= len(in); i++ {
		f := newFakeConn(s)
		f.feed([]byte(in[:i]))
		f.feed([]byte(in[i:]))
		if got := f.out.String(); got != want {
			t.Fatalf("split at %d: got\n%q\nwant\n%q", i, got, want)
		}
		if !f.closed {
			t.Fatalf("split at %d: not closed", i)
		}
	}
	// One byte at a time.
	f := newFakeConn(s)
	for i := range len(in) {
		f.feed([]byte{in[i]})
	}
	if got := f.out.String(); got != want {
		t.Fatalf("bytewise: got %q", got)
	}
}

func TestAsyncOutOfOrder(t *testing.T) {
	var ws []*ResponseWriter
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.Async()
		w.WriteString(r.Path)
		ws = append(ws, w)
	})}
	f := newFakeConn(s)
	f.feed([]byte("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n"))
	if len(ws) != 3 || f.out.Len() != 0 {
		t.Fatalf("%d handlers, output %q", len(ws), f.out.String())
	}
	ws[2].End()
	ws[1].End()
	if f.out.Len() != 0 {
		t.Fatalf("later responses sent first: %q", f.out.String())
	}
	ws[0].End()
	out := f.out.String()
	ia, ib, ic := strings.Index(out, "/a"), strings.Index(out, "/b"), strings.Index(out, "/c")
	if ia < 0 || ib < ia || ic < ib {
		t.Fatalf("out of order: %q", out)
	}
}

func TestExpectContinue(t *testing.T) {
	var req *Request
	var w0 *ResponseWriter
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.Async()
		req, w0 = r, w
	})}
	f := newFakeConn(s)
	f.feed([]byte("PUT /u HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"))
	if f.out.Len() != 0 {
		t.Fatalf("100 sent before the body was asked for: %q", f.out.String())
	}
	var got []byte
	req.OnBody(func(p []byte) { got = append(got, p...) }, func(err error) {
		fmt.Fprintf(w0, "got %s", got)
		w0.End()
	})
	f.settle()
	if f.out.String() != "HTTP/1.1 100 Continue\r\n\r\n" {
		t.Fatalf("got %q", f.out.String())
	}
	f.feed([]byte("abc"))
	if !strings.HasSuffix(f.out.String(), "got abc") {
		t.Fatalf("got %q", f.out.String())
	}
}

func TestExpectContinueUnread(t *testing.T) {
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) { w.WriteHeader(401) })}
	f, out := run(s, "PUT /u HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 401") || !strings.Contains(out, "Connection: close") || !f.closed {
		t.Fatalf("closed %v, out %q", f.closed, out)
	}
}

func TestUnreadBodyDiscarded(t *testing.T) {
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) { w.WriteString(r.Path) })}
	f, out := run(s, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
	if f.closed || strings.Count(out, "HTTP/1.1 200") != 2 || !strings.HasSuffix(out, "/b") {
		t.Fatalf("closed %v, out %q", f.closed, out)
	}
}

func TestParseErrors(t *testing.T) {
	s := &Server{Handler: echoHandler(), MaxHeaderBytes: 200, MaxURIBytes: 50, MaxBodyBytes: 10}
	for _, tc := range []struct{ in, status string }{
		{"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "400"},
		{"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", "400"},
		{"GET / HTTP/1.1\nHost: x\r\n\r\n", "400"},
		{"GET / HTTP/1.1\r\n\r\n", "400"},
		{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501"},
		{"GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 300) + "\r\n\r\n", "431"},
		{"GET /" + strings.Repeat("a", 60) + " HTTP/1.1\r\nHost: x\r\n\r\n", "414"},
		{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", "413"},
		{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n", "413"},
		{"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505"},
	} {
		f, out := run(s, tc.in)
		if !strings.HasPrefix(out, "HTTP/1.1 "+tc.status+" ") || !strings.Contains(out, "Connection: close") || !f.closed {
			t.Errorf("%q: closed %v, out %q", tc.in, f.closed, out)
		}
	}
	// An error after a good request answers the good one first.
	f, out := run(s, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 200") || !strings.Contains(out, "HTTP/1.1 400") || !f.closed {
		t.Fatalf("out %q", out)
	}
}

func TestStreamingChunked(t *testing.T) {
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.WriteString("first")
		w.Flush()
		w.Write(bytes.Repeat([]byte("x"), bufferLimit+1))
	})}
	_, out := run(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.Contains(out, "Transfer-Encoding: chunked\r\n") || !strings.Contains(out, "\r\n5\r\nfirst\r\n") || !strings.HasSuffix(out, "\r\n0\r\n\r\n") {
		t.Fatalf("out %q", out[:min(len(out), 200)])
	}
	// HTTP/1.0: no chunking, close-delimited.
	f, out := run(s, "GET / HTTP/1.0\r\n\r\n")
	if strings.Contains(out, "chunked") || !strings.Contains(out, "Connection: close") || !f.closed {
		t.Fatalf("out %q", out[:200])
	}
}

func TestHead(t *testing.T) {
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) { w.WriteString("hello") })}
	_, out := run(s, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
	if out != "HTTP/1.1 200 OK\r\n"+date+"Content-Length: 5\r\n\r\n" {
		t.Fatalf("out %q", out)
	}
}

func TestStatusWithoutBody(t *testing.T) {
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.WriteHeader(204)
		if _, err := w.WriteString("x"); err != ErrBodyNotAllowed {
			t.Errorf("write to 204: %v", err)
		}
	})}
	_, out := run(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if out != "HTTP/1.1 204 No Content\r\n"+date+"\r\n" {
		t.Fatalf("out %q", out)
	}
}

func TestBackpressure(t *testing.T) {
	chunk := bytes.Repeat([]byte("y"), 32<<10)
	sent := 0
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.Async()
		var pump func()
		pump = func() {
			for sent < 10 {
				if _, err := w.Write(chunk); err != nil {
					w.OnWritable(pump)
					return
				}
				sent++
			}
			w.End()
		}
		pump()
	})}
	f := newFakeConn(s)
	f.full = true
	f.feed([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	if sent == 10 || f.out.Len() != 0 {
		t.Fatalf("sent %d with a full queue", sent)
	}
	for i := 0; i < 20 && sent < 10; i++ {
		f.drain()
		f.full = true
	}
	f.drain()
	if sent != 10 || !strings.HasSuffix(f.out.String(), "0\r\n\r\n") {
		t.Fatalf("sent %d", sent)
	}
}

func TestTimeouts(t *testing.T) {
	s := &Server{Handler: echoHandler(), ReadHeaderTimeout: time.Second, IdleTimeout: 2 * time.Second}
	// Partial head: 408.
	f := newFakeConn(s)
	f.feed([]byte("GET / HTTP/1.1\r\n"))
	f.now = f.now.Add(2 * time.Second)
	f.sc.onTimer()
	f.settle()
	if !strings.HasPrefix(f.out.String(), "HTTP/1.1 408") || !f.closed {
		t.Fatalf("out %q closed %v", f.out.String(), f.closed)
	}
	// Idle: closed quietly; not before its time.
	f = newFakeConn(s)
	f.feed([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	n := f.out.Len()
	f.now = f.now.Add(time.Second)
	f.sc.onTimer()
	if f.closed {
		t.Fatal("closed early")
	}
	f.now = f.now.Add(2 * time.Second)
	f.sc.onTimer()
	f.settle()
	if !f.closed || f.out.Len() != n {
		t.Fatalf("idle: closed %v, out %q", f.closed, f.out.String()[n:])
	}
	// Body: 408 when the response has not begun.
	s.ReadBodyTimeout = time.Second
	f = newFakeConn(s)
	f.feed([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"))
	f.now = f.now.Add(2 * time.Second)
	f.sc.onTimer()
	f.settle()
	if !strings.HasPrefix(f.out.String(), "HTTP/1.1 408") || !f.closed {
		t.Fatalf("body: out %q closed %v", f.out.String(), f.closed)
	}
}

func TestShutdownGraceful(t *testing.T) {
	var w0 *ResponseWriter
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) { w.Async(); w0 = w })}
	f := newFakeConn(s)
	f.feed([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.sc.ls.shutdown()
	if f.closed {
		t.Fatal("busy connection closed")
	}
	w0.End()
	f.settle()
	if !f.closed || !strings.Contains(f.out.String(), "Connection: close") {
		t.Fatalf("closed %v out %q", f.closed, f.out.String())
	}
	idle := newFakeConn(s)
	idle.sc.ls.shutdown()
	if !idle.closed {
		t.Fatal("idle connection left open")
	}
}

func TestConnClosedMidRequest(t *testing.T) {
	var w0 *ResponseWriter
	aborted, ended := false, error(nil)
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w0 = w
		w.OnAbort(func() { aborted = true })
		r.OnBody(func([]byte) {}, func(err error) { ended = err })
	})}
	f := newFakeConn(s)
	f.feed([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"))
	f.closed = true
	f.sc.onClose()
	if !aborted || ended != ErrConnClosed {
		t.Fatalf("aborted %v ended %v", aborted, ended)
	}
	if _, err := w0.WriteString("x"); err == nil {
		t.Fatal("write after close succeeded")
	}
}
