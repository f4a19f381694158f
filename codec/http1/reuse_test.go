package http1

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unsafe"
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
// last head never lets another Host value of the same length through.
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

// freshHead parses head, a whole request head, with a parser of its own.
func freshHead(t *testing.T, head []byte, opts ...Option) Request {
	t.Helper()
	p := NewRequestParser(opts...)
	n, ev, err := p.Parse(head)
	if err != nil || ev.Kind != EventHead || n != len(head) {
		t.Fatalf("fresh parse of %q: %d, %v, %v", head, n, ev.Kind, err)
	}
	r := *p.Request()
	r.Header = append(Header(nil), r.Header...)
	return r
}

// within reports whether every byte slice of r, its fields' included,
// lies in buf.
func within(r *Request, buf []byte) bool {
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	in := func(b []byte) bool {
		p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		return len(b) == 0 || p >= lo && p+uintptr(len(b)) <= lo+uintptr(len(buf))
	}
	v := reflect.ValueOf(r).Elem()
	for i := range v.NumField() {
		if b, ok := v.Field(i).Interface().([]byte); ok && !in(b) {
			return false
		}
	}
	for _, f := range r.Header {
		if !in(f.Name) || !in(f.Value) {
			return false
		}
	}
	return true
}

// TestRepeatedHead feeds heads that repeat the previous one or not, with
// and without bodies, each in a buffer of its own: a repeated head must
// be reported as such and parse exactly as a fresh parser parses it,
// every slice pointing into the new buffer, and its body must be read
// as its own.
func TestRepeatedHead(t *testing.T) {
	const (
		a     = "GET /a?x HTTP/1.1\r\nHost: h:1\r\nX-V: one\r\n\r\n"
		b     = "GET /a?y HTTP/1.1\r\nHost: h:1\r\nX-V: one\r\n\r\n"
		post  = "POST http://o:2/p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
		chunk = "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
		old   = "GET / HTTP/1.0\r\n\r\n"
	)
	big := "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + strings.Repeat("b", RepeatMax) + "\r\n\r\n"
	steps := []struct {
		in       string // a head and its body
		body     string
		repeated bool
	}{
		{a, "", false}, {a, "", true}, {"\r\n" + a, "", true}, {b, "", false}, {a, "", false}, {a, "", true},
		{post + "abc", "abc", false}, {post + "xyz", "xyz", true}, {a, "", false},
		{chunk + "2\r\nhi\r\n0\r\n\r\n", "hi", false}, {chunk + "1\r\n!\r\n0\r\n\r\n", "!", true},
		{old, "", false}, {old, "", true}, {big, "", false}, {big, "", false}, {a, "", false}, {a, "", true},
		{a, "", true}, {a, "", true}, {post + "123", "123", false}, // 17 not asked, 18 asked
	}
	p := NewRequestParser()
	for i, st := range steps {
		buf := []byte(st.in)
		var body []byte
		var head Request
		heads := 0
		for len(buf) > 0 {
			n, ev, err := p.Parse(buf)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			switch ev.Kind {
			case EventHead:
				heads++
				if p.Repeated() != st.repeated {
					t.Fatalf("step %d: Repeated() %v before Request", i, p.Repeated())
				}
				if i%3 == 2 {
					// Not asked for: a caller that has what it needs
					// from the previous request.
					head = Request{Repeated: p.Repeated()}
					break
				}
				head = *p.Request()
				if !within(&head, buf) {
					t.Fatalf("step %d: a slice of the request is not in the buffer given", i)
				}
				if p.Repeated() != head.Repeated {
					t.Fatalf("step %d: Repeated() %v after Request", i, p.Repeated())
				}
				head.Header = append(Header(nil), head.Header...)
			case EventBody:
				body = append(body, ev.Data...)
			}
			buf = buf[n:]
		}
		if heads != 1 || string(body) != st.body {
			t.Fatalf("step %d: %d heads, body %q", i, heads, body)
		}
		if head.Repeated != st.repeated {
			t.Fatalf("step %d: Repeated %v", i, head.Repeated)
		}
		if i%3 == 2 {
			continue
		}
		want := freshHead(t, []byte(strings.TrimPrefix(st.in, "\r\n"))[:len(head.Head)])
		head.Repeated = false
		if !reflect.DeepEqual(head, want) {
			t.Fatalf("step %d: %+v\nwant %+v", i, head, want)
		}
	}
	// Reset forgets the head: new limits apply to it.
	p.Reset(WithMaxHeaderBytes(len(a) - 1))
	if _, _, err := p.Parse([]byte(a)); !errors.Is(err, ErrHeaderTooLarge) {
		t.Fatalf("after Reset with a smaller limit: %v", err)
	}
}

// TestPartOf checks that partOf locates slices of a head and refuses
// what would reach past it.
func TestPartOf(t *testing.T) {
	buf := []byte("GET /x HTTP/1.1\r\n\r\nmore")
	head := buf[:19]
	for _, c := range []struct {
		s  []byte
		pt part
		ok bool
	}{
		{buf[4:6], part{4, 2}, true}, {nil, part{n: -1}, true}, {buf[3:3], part{}, true},
		{buf[17:19], part{17, 2}, true}, {buf[18:20], part{}, false}, {buf[19:], part{}, false},
	} {
		pt, ok := partOf(head, c.s)
		if ok != c.ok || ok && (pt != c.pt || string(pt.in(head)) != string(c.s) || (pt.in(head) == nil) != (c.s == nil)) {
			t.Fatalf("partOf(%q) = %+v, %v", c.s, pt, ok)
		}
	}
}
