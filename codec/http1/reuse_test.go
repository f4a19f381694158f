package http1

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// parseHeads parses the heads of in, one request after another, and
// returns a copy of each Request as EventHead reported it.
func parseHeads(t *testing.T, p *RequestParser, in []byte) []Request {
	t.Helper()
	var out []Request
	for {
		n, ev, err := p.Parse(in)
		in = in[n:]
		if errors.Is(err, ErrNeedMore) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == EventHead {
			r := *p.Request()
			r.Header = append(Header(nil), r.Header...)
			out = append(out, r)
		}
	}
}

// TestRequestFieldsReset checks that a request parsed after one that set
// every Request field is the same as from a fresh parser: nothing of the
// previous request leaks through the parser's reuse of its Request.
func TestRequestFieldsReset(t *testing.T) {
	full := "POST http://a.example:81/x?y HTTP/1.1\r\nHost: a.example:81\r\n" +
		"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\nUpgrade: x\r\n" +
		"Connection: upgrade, keep-alive\r\n\r\n0\r\n\r\n"
	plain := "GET / HTTP/1.0\r\n\r\n"
	got := parseHeads(t, NewRequestParser(), []byte(full+plain))
	want := parseHeads(t, NewRequestParser(), []byte(plain))
	if len(got) != 2 || len(want) != 1 {
		t.Fatalf("got %d and %d heads", len(got), len(want))
	}
	if !got[0].Upgrade || !got[0].ExpectContinue || got[0].Framing != FramingChunked || len(got[0].Host) == 0 {
		t.Fatalf("first request not as expected: %+v", got[0])
	}
	if !reflect.DeepEqual(got[1], want[0]) {
		t.Fatalf("second request %+v\nwant %+v", got[1], want[0])
	}
}

// TestHostCheckedEveryRequest checks that the parser's memory of the
// last valid Host never lets another value of the same length through.
func TestHostCheckedEveryRequest(t *testing.T) {
	p := NewRequestParser()
	hosts := []struct {
		host string
		ok   bool
	}{
		{"a.example:80", true}, {"a.example:80", true}, {"a.example:8x", false},
	}
	for _, h := range hosts {
		p.Reset()
		for range 2 {
			in := "GET / HTTP/1.1\r\nHost: a.example:80\r\n\r\nGET / HTTP/1.1\r\nHost: " + h.host + "\r\n\r\n"
			_, err := parseStream(p, []byte(in))
			if (err == nil) != h.ok {
				t.Fatalf("Host %q: err %v", h.host, err)
			}
			p.Reset()
		}
	}
	long := strings.Repeat("h", 100)
	for _, in := range []string{long, long[:99] + "%", long} {
		p.Reset()
		_, err := parseStream(p, []byte("GET / HTTP/1.1\r\nHost: "+in+"\r\n\r\n"))
		if (err == nil) != !strings.Contains(in, "%") {
			t.Fatalf("Host %q: err %v", in, err)
		}
	}
}

// parseStream parses every request of in and returns how many ended,
// or the first error other than ErrNeedMore.
func parseStream(p *RequestParser, in []byte) (int, error) {
	ends := 0
	for {
		n, ev, err := p.Parse(in)
		in = in[n:]
		if errors.Is(err, ErrNeedMore) {
			return ends, nil
		}
		if err != nil {
			return ends, err
		}
		if ev.Kind == EventEnd {
			ends++
		}
	}
}
