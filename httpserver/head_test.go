package httpserver

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestResponseFieldsChecked sends, on one connection, responses whose
// fields turn invalid at a place where a valid field of the same length
// was sent before: the invalid ones must be dropped every time.
func TestResponseFieldsChecked(t *testing.T) {
	values := []string{"abc", "a\nc", "abc", "a\rc", "a\x00c", "abc", " bc", strings.Repeat("v", 70), "x\x7f" + strings.Repeat("v", 68)}
	names := []string{"X-A", "X\nA", "X-A", "X A"}
	var i int
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.Header().Set("X-First", "1")
		w.Header().Set(names[i%len(names)], values[i%len(values)])
		w.WriteString("ok")
	})})
	for i = 0; i < 3*len(values)*len(names); i++ {
		f.out.Reset()
		f.feed([]byte(benchGET))
		out := f.out.String()
		name, value := names[i%len(names)], values[i%len(values)]
		valid := !strings.ContainsAny(name, " \r\n") && !strings.ContainsAny(value, "\r\n\x00\x7f") &&
			value[0] != ' '
		line := name + ": " + value + "\r\n"
		if got := strings.Contains(out, line); got != valid {
			t.Fatalf("response %d: field %q sent %v, want %v: %q", i, line, got, valid, out)
		}
		if !strings.Contains(out, "X-First: 1\r\n") || !strings.HasSuffix(out, "\r\n\r\nok") {
			t.Fatalf("response %d: %q", i, out)
		}
		if strings.Count(out, "\n") != 6-btoi(!valid) {
			t.Fatalf("response %d: extra lines: %q", i, out)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestAppendLength(t *testing.T) {
	for _, n := range []int64{0, 1, 9, 10, 13, 99, 100, 4096, 99999, 100000, 123456789, 1<<63 - 1, -1} {
		got := string(appendLength([]byte("x"), n))
		if want := "x" + strconv.FormatInt(n, 10); got != want {
			t.Fatalf("appendLength(%d) = %q, want %q", n, got, want)
		}
	}
	for n := int64(0); n < 100000; n += 7 {
		if got, want := string(appendLength(nil, n)), strconv.FormatInt(n, 10); got != want {
			t.Fatalf("appendLength(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestFieldsMemo sends, on one connection, responses whose fields repeat
// or change a little (one byte, valid or not, a Date, a framing field,
// too many or too long to remember): each response must be what a fresh
// connection, with nothing remembered, sends for the same fields.
func TestFieldsMemo(t *testing.T) {
	// Mostly valid fields of equal lengths, so that a remembered one
	// differs from the next in a byte only.
	names := []string{"X-A", "X-B", "X-A", "X-B", "Y-A", "Date", "Content-Length", "Connection", "X\x01A", "Transfer-Encoding"}
	values := []string{"u", "v", "w", "5", "u", "v", "w", "5", "a\rb", "a\x7fb", "abc", " v", "Sun, 06 Nov 1994 08:49:37 GMT", strings.Repeat("x", 300)}
	rnd := rand.New(rand.NewPCG(7, 9))
	// Some strings are copies: equal content at another address, which
	// the memo must compare byte by byte (it skips that only for the
	// very strings it matched last).
	pick := func(from []string) string {
		s := from[rnd.IntN(len(from))]
		if rnd.IntN(3) == 0 {
			s = strings.Clone(s)
		}
		return s
	}
	var lists [][]Field
	for range 2000 {
		var l []Field
		if len(lists) > 0 && rnd.IntN(2) == 0 {
			l = append(l, lists[len(lists)-1]...) // a repeat, maybe changed a little
			if len(l) > 0 && rnd.IntN(2) == 0 {
				i := rnd.IntN(len(l))
				if rnd.IntN(2) == 0 {
					l[i].Value = pick(values)
				} else {
					l[i].Name = pick(names)
				}
			}
		} else {
			for range rnd.IntN(4) + rnd.IntN(2)*rnd.IntN(8) {
				l = append(l, Field{pick(names), pick(values)})
			}
		}
		lists = append(lists, l)
	}
	handler := func(l *[]Field) Handler {
		return HandlerFunc(func(w *ResponseWriter, r *Request) {
			for _, f := range *l {
				w.Header().Add(f.Name, f.Value)
			}
			w.WriteString("hello") // as long as the one valid Content-Length
		})
	}
	var cur []Field
	f := newFakeConn(&Server{Handler: handler(&cur)})
	for i, l := range lists {
		cur = l
		f.out.Reset()
		f.feed([]byte(benchGET))
		fresh := newFakeConn(&Server{Handler: handler(&cur)})
		fresh.feed([]byte(benchGET))
		if got, want := f.out.String(), fresh.out.String(); got != want || f.closed {
			t.Fatalf("response %d, fields %q:\n%q\nwant\n%q", i, l, got, want)
		}
	}
}

// TestHeadMemo sends, on connections of one loop, responses that differ
// from the previous one in one thing the head memo must notice (the
// status, the body length, the protocol version, a Connection: close, a
// Date set by the handler, the second of the clock, the fields): each
// must be what a fresh connection on a fresh loop sends.
func TestHeadMemo(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 5))
	type resp struct {
		status int
		body   string
		fields []Field
	}
	var cur resp
	srv := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		for _, f := range cur.fields {
			w.Header().Add(f.Name, f.Value)
		}
		if cur.status != 200 {
			w.WriteHeader(cur.status)
		}
		w.WriteString(cur.body)
	})}
	ls := &loopState{conns: map[*serverConn]struct{}{}}
	f := newFakeConnOn(srv, ls)
	now := f.now
	statuses := []int{200, 200, 200, 200, 201, 204, 304, 404}
	bodies := []string{"", "hello", "hello", "Hello, World!", strings.Repeat("b", 100)}
	fieldSets := [][]Field{
		{{"Content-Type", "text/plain"}, {"Server", "eddy"}},
		{{"Content-Type", "text/plain"}, {"Server", "eddy"}},
		{{"Content-Type", "text/html"}, {"Server", "eddy"}},
		{{"Content-Type", "text/plain"}},
		nil,
		{{"Date", "Sun, 06 Nov 1994 08:49:37 GMT"}},
	}
	reqs := []string{
		benchGET, benchGET, benchGET, benchGET,
		"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
	}
	cur = resp{200, "hello", fieldSets[0]}
	for i := range 3000 {
		// Mostly one change at a time, so that each lands on a head the
		// memo holds.
		switch rnd.IntN(6) {
		case 0:
			cur.status = statuses[rnd.IntN(len(statuses))]
		case 1:
			cur.body = bodies[rnd.IntN(len(bodies))]
		case 2:
			cur.fields = fieldSets[rnd.IntN(len(fieldSets))]
		case 3:
			now = now.Add(time.Duration(rnd.IntN(1500)) * time.Millisecond)
		}
		req := reqs[rnd.IntN(len(reqs))]
		if f.closed {
			f = newFakeConnOn(srv, ls)
		}
		f.now = now
		f.out.Reset()
		f.feed([]byte(req))
		fresh := newFakeConn(srv)
		fresh.now = now
		fresh.feed([]byte(req))
		if got, want := f.out.String(), fresh.out.String(); got != want || f.closed != fresh.closed {
			t.Fatalf("response %d (%+v, request %q):\n%q (closed %v)\nwant\n%q (closed %v)", i, cur, req, got, f.closed, want, fresh.closed)
		}
	}
}
