package httpserver

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
)

// upperFilter upper-cases the body and holds it until Flush or Close.
type upperFilter struct {
	held    []byte
	closed  int
	removed bool
	w       *ResponseWriter
}

func (f *upperFilter) Write(p []byte, emit func([]byte)) {
	f.held = append(f.held, bytes.ToUpper(p)...)
}
func (f *upperFilter) Flush(emit func([]byte)) { emit(f.held); f.held = nil }
func (f *upperFilter) Close(emit func([]byte)) { emit(f.held); f.held = nil; f.closed++ }

func TestBodyFilter(t *testing.T) {
	var uf *upperFilter
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		uf = &upperFilter{w: w}
		if err := w.SetBodyFilter(uf); err != nil {
			t.Error(err)
		}
		w.WriteString("hello ")
		w.Write([]byte("world"))
		if r.Path == "/flush" {
			w.Flush()
			w.WriteString("!")
		}
	})}
	_, out := run(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasSuffix(out, "Content-Length: 11\r\n\r\nHELLO WORLD") || uf.closed != 1 {
		t.Fatalf("got %q, closed %d", out, uf.closed)
	}
	_, out = run(s, "GET /flush HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasSuffix(out, "chunked\r\n\r\nb\r\nHELLO WORLD\r\n1\r\n!\r\n0\r\n\r\n") || uf.closed != 1 {
		t.Fatalf("flush: got %q, closed %d", out, uf.closed)
	}
	s = &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.WriteString("x")
		if err := w.SetBodyFilter(&upperFilter{}); !errors.Is(err, ErrFilterLate) {
			t.Errorf("late filter: %v", err)
		}
	})}
	run(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
}

func tempFile(t *testing.T, content string) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestSendFileFake(t *testing.T) {
	f := tempFile(t, "0123456789")
	dones := 0
	var ws []*ResponseWriter
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		switch r.Path {
		case "/len":
			w.Header().Set("Content-Length", "6")
			w.WriteString("<")
			if err := w.SendFile(f, 2, 4, func() { dones++ }); err != nil {
				t.Error(err)
			}
			w.WriteString(">")
		case "/chunked":
			w.WriteString("<")
			w.SendFile(f, 0, 3, func() { dones++ })
			w.WriteString(">")
		case "/over":
			w.Header().Set("Content-Length", "2")
			if err := w.SendFile(f, 0, 3, func() { dones++ }); !errors.Is(err, ErrContentLength) {
				t.Errorf("over: %v", err)
			}
		case "/async":
			w.Async()
			ws = append(ws, w)
		}
	})}
	_, out := run(s, "GET /len HTTP/1.1\r\nHost: x\r\n\r\nHEAD /len HTTP/1.1\r\nHost: x\r\n\r\nGET /chunked HTTP/1.1\r\nHost: x\r\n\r\nGET /over HTTP/1.1\r\nHost: x\r\n\r\n")
	want := []string{
		"Content-Length: 6\r\n\r\n<2345>HTTP/1.1",
		"Content-Length: 6\r\n\r\nHTTP/1.1",
		"chunked\r\n\r\n1\r\n<\r\n3\r\n012\r\n1\r\n>\r\n0\r\n\r\n",
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Fatalf("output lacks %q:\n%q", w, out)
		}
	}
	if dones != 3 {
		t.Fatalf("done ran %d times, want 3", dones)
	}
	// A file response queued behind a pending one goes out after it.
	fc := newFakeConn(s)
	fc.feed([]byte("GET /async HTTP/1.1\r\nHost: x\r\n\r\nGET /len HTTP/1.1\r\nHost: x\r\n\r\n"))
	if fc.out.Len() != 0 {
		t.Fatalf("output before the first response: %q", fc.out.String())
	}
	ws[0].WriteString("first")
	ws[0].End()
	fc.settle()
	if o := fc.out.String(); !strings.Contains(o, "first") || !strings.HasSuffix(o, "<2345>") {
		t.Fatalf("queued file: %q", o)
	}
}

// File regions wait, in order, while the transport's queue is full,
// and a closing connection sends them before it closes.
func TestSendFileBlocked(t *testing.T) {
	f := tempFile(t, "0123456789")
	dones, blocked := 0, 0
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.Header().Set("Content-Length", "12")
		w.WriteString("[")
		w.SendFile(f, 0, 10, func() { dones++ })
		// While the queue is full behind the file, the rest waits
		// for OnWritable.
		if _, err := w.WriteString("]"); err != errQueueFull {
			return
		}
		blocked++
		w.Async()
		w.OnWritable(func() {
			w.WriteString("]")
			w.End()
		})
	})}
	fc := newFakeConn(s)
	fc.full = true
	fc.feed([]byte("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
	if fc.out.Len() != 0 || fc.closed || dones != 0 || blocked != 1 {
		t.Fatalf("sent while full: %q closed=%v dones=%d", fc.out.String(), fc.closed, dones)
	}
	fc.drain()
	out := fc.out.String()
	if strings.Count(out, "[0123456789]") != 2 || !strings.HasSuffix(out, "[0123456789]") || !fc.closed || dones != 2 {
		t.Fatalf("after drain: %q closed=%v dones=%d", out, fc.closed, dones)
	}
}

func TestInterimAndUpgradeErrors(t *testing.T) {
	var errs []error
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		errs = append(errs,
			w.WriteInterim(101, nil),
			w.WriteInterim(200, nil),
			w.Upgrade("x", func(*eddy.Conn) eddy.Handler { return nil }),
			w.WriteInterim(100, nil))
		w.WriteString("body")
		w.Flush()
		errs = append(errs, w.WriteInterim(103, nil))
	})}
	_, out := run(s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx")
	want := []error{ErrInterim, ErrInterim, ErrNotUpgrade, nil, ErrInterim}
	for i, e := range want {
		if !errors.Is(errs[i], e) {
			t.Errorf("%d: %v, want %v", i, errs[i], e)
		}
	}
	if !strings.HasPrefix(out, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n") {
		t.Fatalf("got %q", out)
	}
	// An upgrade request with a body cannot switch before the body is
	// read.
	s = &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		errs = append(errs[:0], w.Upgrade("x", func(*eddy.Conn) eddy.Handler { return nil }))
	})}
	run(s, "POST / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: x\r\nContent-Length: 1\r\n\r\nx")
	if !errors.Is(errs[0], ErrNotUpgrade) {
		t.Fatalf("upgrade with unread body: %v", errs[0])
	}
}
