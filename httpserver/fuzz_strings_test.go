package httpserver

import (
	"errors"
	"testing"

	"github.com/eddy-go/eddy/codec/http1"
)

// parsedHead is what a request head holds, as strings.
type parsedHead struct {
	method, target, path, query, host string
	fields                            []Field
}

// referenceHeads parses the heads of in with a parser of its own and
// returns them as strings, up to the first error or incomplete head.
func referenceHeads(in []byte, opts []http1.Option) []parsedHead {
	p := http1.NewRequestParser(opts...)
	var out []parsedHead
	for {
		n, ev, err := p.Parse(in)
		in = in[n:]
		if errors.Is(err, http1.ErrNeedMore) || err != nil {
			return out
		}
		if ev.Kind == http1.EventHead {
			r := p.Request()
			h := parsedHead{string(r.Method), string(r.Target), string(r.Path), string(r.Query), string(r.Host), nil}
			for _, f := range r.Header {
				h.fields = append(h.fields, Field{string(f.Name), string(f.Value)})
			}
			out = append(out, h)
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
		var got []parsedHead
		s.Handler = HandlerFunc(func(w *ResponseWriter, r *Request) {
			h := parsedHead{r.Method, r.Target, r.Path, r.RawQuery, r.Host, nil}
			for k, v := range r.Header.All() {
				h.fields = append(h.fields, Field{k, v})
			}
			got = append(got, h)
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
		for k := range got {
			g, w := got[k], want[k]
			if g.method != w.method || g.target != w.target || g.path != w.path || g.query != w.query ||
				g.host != w.host || len(g.fields) != len(w.fields) {
				t.Fatalf("request %d: %+v, want %+v", k, g, w)
			}
			for j := range w.fields {
				if g.fields[j] != w.fields[j] {
					t.Fatalf("request %d field %d: %q, want %q", k, j, g.fields[j], w.fields[j])
				}
			}
		}
	})
}
