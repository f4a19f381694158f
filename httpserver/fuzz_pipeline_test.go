package httpserver

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/eddy-go/eddy/codec/http1"
)

// pipeSeen is what the handler of FuzzPipelineFresh saw of a request.
type pipeSeen struct {
	head                              seenHead
	minor                             int
	clen                              int64
	chunked, expect, upgrade, hasBody bool
	body                              string // as ReadBody gave it, with its error and the trailers
}

func (s pipeSeen) String() string {
	return fmt.Sprintf("%+v minor=%d clen=%d chunked=%v expect=%v upgrade=%v hasBody=%v body=%s",
		s.head, s.minor, s.clen, s.chunked, s.expect, s.upgrade, s.hasBody, s.body)
}

// pipeHandler answers in ways that depend only on the request, and
// leaves behind as much as a handler can for the next request on a
// recycled Request to trip on: changed request fields, response fields
// taken from the request, its own Header in the response's place, a
// body read or not, hooks that stop recycling.
func pipeHandler(seen *[]pipeSeen) Handler {
	var scratch [8]byte // formatted into again for every response that uses it
	return HandlerFunc(func(w *ResponseWriter, r *Request) {
		s := pipeSeen{head: headOf(r), minor: r.ProtoMinor, clen: r.ContentLength, chunked: r.Chunked,
			expect: r.expect, upgrade: r.IsUpgrade(), hasBody: r.HasBody()}
		k := len(*seen)
		*seen = append(*seen, s)
		path := r.Path
		answer := func() {
			n := 0
			for name, value := range r.Header.All() {
				if n++; n > 3 {
					break
				}
				w.Header().Add("X-"+name, value)
			}
			if strings.Contains(path, "s") {
				w.WriteHeader([]int{201, 204, 304, 404}[len(path)%4])
			}
			fmt.Fprintf(w, "%s %s %d %q", r.Method, r.Target, r.Header.Len(), r.Header.Get("X-A"))
		}
		switch {
		case strings.Contains(path, "r"):
			r.ReadBody(64, func(body []byte, err error) {
				(*seen)[k].body = fmt.Sprintf("%q %v %q", body, err, r.Trailers().fields)
				answer()
			})
			return
		case strings.Contains(path, "e"):
			*w.Header() = r.Header // the request's storage, for this response
		case strings.Contains(path, "h"):
			w.OnEnd(func() {})
		case strings.Contains(path, "b"):
			// A value made without copying from a buffer the handler
			// reuses once the response is sent.
			copy(scratch[:], r.Header.Get("X-A")+"........")
			w.Header().Set("X-Scratch", unsafe.String(&scratch[0], len(scratch)))
		}
		// What the handler may change of the request and leave behind.
		r.Header.Set("X-A", "changed")
		r.Header.Add("X-Added", r.Method)
		r.Path, r.Host = "/changed", "changed"
		answer()
	})
}

// FuzzPipelineFresh feeds a stream of pipelined requests, split in two,
// to one connection, and each of its requests alone to a connection of
// its own: each request must read the same, and the responses on the
// one connection must be those of the connections of their own. This
// catches state a request leaves to the next through a recycled
// Request, a repeated head or the response memos.
func FuzzPipelineFresh(f *testing.F) {
	get := "GET /a HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\n"
	f.Add(uint16(20), []byte(get+get+"GET /a HTTP/1.1\r\nHost: h\r\nX-A: 2\r\n\r\n"+get))
	f.Add(uint16(50), []byte("POST /r HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"+
		"POST /r HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"+get+get))
	f.Add(uint16(70), []byte("POST /r HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nT: 1\r\n\r\n"+
		"POST /r HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"+get))
	f.Add(uint16(9), []byte("GET /e HTTP/1.1\r\nHost: h\r\nX-A: e\r\n\r\n"+get+"GET /e HTTP/1.1\r\nHost: h\r\nX-A: e\r\n\r\n"+get))
	f.Add(uint16(0), []byte("PUT /r HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nokPUT /r HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nok"+
		"PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok"+get))
	f.Add(uint16(33), []byte("GET /u HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n"+
		"GET /u HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n"+get+"GET /s HTTP/1.0\r\nConnection: keep-alive\r\n\r\nHEAD /s HTTP/1.1\r\nHost: h\r\n\r\n"+get))
	f.Add(uint16(40), []byte("GET /b HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\nX-A: 2\r\n\r\n"))
	f.Add(uint16(12), []byte("GET http://o:1/h HTTP/1.1\r\nHost: h\r\n\r\nGET http://o:1/h HTTP/1.1\r\nHost: h\r\n\r\n"+
		"GET /a HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nConnection: close\r\n\r\n"+get))
	f.Fuzz(func(t *testing.T, split uint16, data []byte) {
		s := &Server{MaxHeaderBytes: 512, MaxURIBytes: 128, MaxBodyBytes: 256}
		var got []pipeSeen
		s.Handler = pipeHandler(&got)
		fc := newFakeConn(s)
		i := int(split) % (len(data) + 1)
		fc.feed(data[:i])
		fc.feed(data[i:])

		// The whole requests of data, each alone on a fresh connection
		// (and a loop of its own), up to one after which the connection
		// closes.
		p := http1.NewRequestParser(s.parserOptions()...)
		var want []pipeSeen
		var wantOut []byte
		for rest, start := data, 0; ; {
			n, ev, err := p.Parse(rest)
			rest = rest[n:]
			if err != nil {
				break
			}
			if ev.Kind != http1.EventEnd {
				continue
			}
			end := len(data) - len(rest)
			one := newFakeConn(s)
			var seen []pipeSeen
			s.Handler = pipeHandler(&seen)
			one.feed(data[start:end])
			s.Handler = pipeHandler(&got)
			start = end
			if len(seen) != 1 {
				t.Fatalf("request %d alone: %d requests", len(want), len(seen))
			}
			want = append(want, seen[0])
			wantOut = append(wantOut, one.out.Bytes()...)
			if one.closed {
				break
			}
		}
		if len(got) < len(want) {
			t.Fatalf("%d requests on one connection, %d alone:\n%q", len(got), len(want), fc.out.Bytes())
		}
		for i := range want {
			if got[i].String() != want[i].String() {
				t.Fatalf("request %d:\n%v\nalone:\n%v", i, got[i], want[i])
			}
		}
		if out := fc.out.Bytes(); !bytes.HasPrefix(out, wantOut) {
			t.Fatalf("responses on one connection:\n%q\nalone:\n%q", out, wantOut)
		}
	})
}
