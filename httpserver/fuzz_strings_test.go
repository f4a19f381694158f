package httpserver

import (
	"testing"

	"github.com/eddy-go/eddy/codec/http1"
)

// referenceHeads parses the heads of in with a parser of its own and
// returns them as strings, up to the first error or incomplete head.
func referenceHeads(in []byte, opts []http1.Option) []seenHead {
	p := http1.NewRequestParser(opts...)
	var out []seenHead
	for {
		n, ev, err := p.Parse(in)
		in = in[n:]
		if err != nil {
			return out
		}
		if ev.Kind == http1.EventHead {
			out = append(out, parsedHeadOf(p.Request()))
		}
	}
}

// FuzzRequestStrings feeds a stream of requests, split in two, to a
// connection and checks every Request's strings against an independent
// parse of the same bytes: sharing strings with the previous request
// (a repeated head, or equal fields at the same place) must never show
// a stale one.
func FuzzRequestStrings(f *testing.F) {
	f.Add(uint16(30), []byte("GET /a?x=1 HTTP/1.1\r\nHost: h:1\r\nX-V: one\r\n\r\nGET /a?x=1 HTTP/1.1\r\nHost: h:1\r\nX-V: one\r\n\r\n"+
		"GET /a?x=2 HTTP/1.1\r\nHost: h:1\r\nX-V: two\r\nX-W: w\r\n\r\nGET /a?x=2 HTTP/1.1\r\nHost: h:1\r\nX-V: two\r\n\r\n"))
	f.Add(uint16(9), []byte("GET http://o:81/p?q HTTP/1.1\r\nHost: h:2\r\n\r\nGET http://o:81/p?q HTTP/1.1\r\nHost: h:3\r\n\r\n"+
		"GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))
	f.Add(uint16(0), []byte("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"))
	f.Add(uint16(44), []byte("MKCOL /c HTTP/1.1\r\nHost: h:2\r\nX-V: \r\nX-W: w\r\n\r\nMKCOL /c HTTP/1.1\r\nHost: h:2\r\nX-V: v\r\nX-W:\r\n\r\n"))
	f.Fuzz(func(t *testing.T, split uint16, data []byte) {
		s := &Server{MaxHeaderBytes: 2048, MaxURIBytes: 512, MaxBodyBytes: 4096}
		fc := newFakeConn(s)
		var got []seenHead
		s.Handler = HandlerFunc(func(w *ResponseWriter, r *Request) {
			got = append(got, headOf(r))
			if len(got)%2 == 0 { // change what the handler may change
				r.Header.Set("X-Fuzz", "1")
				r.Path = "/changed"
			}
		})
		i := int(split) % (len(data) + 1)
		fc.feed(data[:i])
		fc.feed(data[i:])
		want := referenceHeads(data, s.parserOptions())
		if len(got) > len(want) {
			t.Fatalf("%d requests, the parser finds %d", len(got), len(want))
		}
		checkHeads(t, got, want)
	})
}
