package httpserver

import (
	"bytes"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
)

// fuzzHandler exercises the handler styles: synchronous, asynchronous,
// buffered and streamed bodies, streamed responses.
func fuzzHandler(f *fakeConn) Handler {
	return HandlerFunc(func(w *ResponseWriter, r *Request) {
		switch {
		case strings.HasPrefix(r.Path, "/async"):
			w.Async()
			f.Defer(func() { w.WriteString(r.Path); w.End() })
		case strings.HasPrefix(r.Path, "/read"):
			r.ReadBody(64, func(b []byte, err error) {
				if err != nil {
					w.WriteHeader(413)
				}
				w.Write(b)
			})
		case strings.HasPrefix(r.Path, "/stream"):
			r.OnBody(func(p []byte) {
				w.Write(p)
				w.Flush()
				r.PauseBody()
				f.Defer(r.ResumeBody)
			}, func(error) {})
		case strings.HasPrefix(r.Path, "/upgrade"):
			w.WriteInterim(103, nil)
			w.Upgrade("x", func(*eddy.Conn) eddy.Handler { return nil })
		case strings.HasPrefix(r.Path, "/big"):
			w.Write(bytes.Repeat([]byte("z"), bufferLimit+10))
		default:
			w.Header().Set("X-Path", r.Path)
			w.WriteString(r.Method)
		}
	})
}

// FuzzServeConn feeds arbitrary bytes, split in two at an arbitrary
// point, to a connection's state machine and checks that it answers with
// HTTP responses and never panics.
func FuzzServeConn(f *testing.F) {
	f.Add(uint16(5), []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add(uint16(30), []byte("GET /async HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add(uint16(40), []byte("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloHEAD / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add(uint16(60), []byte("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n"))
	f.Add(uint16(9), []byte("PUT /read HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc"))
	f.Add(uint16(3), []byte("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"))
	f.Add(uint16(0), []byte("GET /big HTTP/1.0\r\n\r\n"))
	f.Add(uint16(20), []byte("GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nGET / HTTP/1.1\r\n\r\n"))
	f.Add(uint16(20), []byte("GET /async HTTP/1.1\r\nHost: x\r\n\r\nGET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nrest"))
	f.Fuzz(func(t *testing.T, split uint16, data []byte) {
		s := &Server{MaxHeaderBytes: 512, MaxURIBytes: 128, MaxBodyBytes: 4096}
		fc := newFakeConn(s)
		s.Handler = fuzzHandler(fc)
		i := int(split) % (len(data) + 1)
		fc.feed(data[:i])
		fc.feed(data[i:])
		out := fc.out.Bytes()
		if len(out) > 0 && !bytes.HasPrefix(out, []byte("HTTP/1.1 ")) {
			t.Fatalf("output %q", out)
		}
		if fc.closed {
			n := fc.out.Len()
			fc.feed([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
			if fc.out.Len() != n {
				t.Fatal("wrote after closing")
			}
		}
		fc.closed = true
		fc.sc.onClose()
		fc.settle()
	})
}
