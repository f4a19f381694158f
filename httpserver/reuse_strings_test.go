package httpserver

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/eddy-go/eddy/codec/http1"
)

// TestRepeatedStringsShared feeds keep-alive requests whose heads change
// in every way from one to the next: each request must read as parsed,
// and strings equal to the previous request's must be shared with it
// rather than copied again.
func TestRepeatedStringsShared(t *testing.T) {
	heads := []string{
		"GET /a?x=1 HTTP/1.1\r\nHost: h:1\r\nX-V: one\r\nX-W: w\r\n\r\n",
		"GET /a?x=1 HTTP/1.1\r\nHost: h:1\r\nX-V: one\r\nX-W: w\r\n\r\n",
		"GET /a?x=2 HTTP/1.1\r\nHost: h:1\r\nX-V: two\r\nX-W: w\r\n\r\n",
		"GET /a?x=2 HTTP/1.1\r\nHost: h:2\r\nX-V: two\r\nX-W: w\r\nX-Z: z\r\n\r\n",
		"POST /b HTTP/1.1\r\nHost: h:2\r\nContent-Length: 0\r\n\r\n",
		"GET http://o:81/p?q HTTP/1.1\r\nHost: h:2\r\n\r\n",
		"GET http://o:81/p?q HTTP/1.1\r\nHost: h:3\r\n\r\n",
		"GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"MKCOL /c HTTP/1.1\r\nHost: h:2\r\nX-V: \r\nX-W: w\r\n\r\n",
		"MKCOL /c HTTP/1.1\r\nHost: h:2\r\nX-V: v\r\nX-W:\r\n\r\n",
		"GET /a?x=2 HTTP/1.1\r\nHost: h:1\r\nX-V: two\r\nX-W: w\r\n\r\n",
	}
	want := []seenHead{
		{"GET", "/a?x=1", "/a", "x=1", "h:1", []Field{{"Host", "h:1"}, {"X-V", "one"}, {"X-W", "w"}}},
		{"GET", "/a?x=1", "/a", "x=1", "h:1", []Field{{"Host", "h:1"}, {"X-V", "one"}, {"X-W", "w"}}},
		{"GET", "/a?x=2", "/a", "x=2", "h:1", []Field{{"Host", "h:1"}, {"X-V", "two"}, {"X-W", "w"}}},
		{"GET", "/a?x=2", "/a", "x=2", "h:2", []Field{{"Host", "h:2"}, {"X-V", "two"}, {"X-W", "w"}, {"X-Z", "z"}}},
		{"POST", "/b", "/b", "", "h:2", []Field{{"Host", "h:2"}, {"Content-Length", "0"}}},
		{"GET", "http://o:81/p?q", "/p", "q", "o:81", []Field{{"Host", "h:2"}}},
		{"GET", "http://o:81/p?q", "/p", "q", "o:81", []Field{{"Host", "h:3"}}},
		{"GET", "/c", "/c", "", "", []Field{{"Connection", "keep-alive"}}},
		{"GET", "/c", "/c", "", "", []Field{{"Connection", "keep-alive"}}},
		{"MKCOL", "/c", "/c", "", "h:2", []Field{{"Host", "h:2"}, {"X-V", ""}, {"X-W", "w"}}},
		{"MKCOL", "/c", "/c", "", "h:2", []Field{{"Host", "h:2"}, {"X-V", "v"}, {"X-W", ""}}},
		{"GET", "/a?x=2", "/a", "x=2", "h:1", []Field{{"Host", "h:1"}, {"X-V", "two"}, {"X-W", "w"}}},
	}
	var seen []seenHead
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		seen = append(seen, headOf(r))
	})})
	for _, h := range heads {
		f.feed([]byte(h))
	}
	if len(seen) != len(want) {
		t.Fatalf("%d requests, want %d", len(seen), len(want))
	}
	checkHeads(t, seen, want)
	same := func(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }
	if !same(seen[0].target, seen[1].target) || !same(seen[0].fields[1].Value, seen[1].fields[1].Value) ||
		!same(seen[0].host, seen[1].host) {
		t.Fatal("strings of a repeated head copied again")
	}
	if !same(seen[2].fields[2].Value, seen[1].fields[2].Value) || !same(seen[3].target, seen[2].target) {
		t.Fatal("unchanged strings of a changed head copied again")
	}
}

// TestRepeatedHeadNoCopy checks that a keep-alive client repeating its
// head costs no string storage.
func TestRepeatedHeadNoCopy(t *testing.T) {
	f := newFakeConn(&Server{Handler: helloHandler})
	req := []byte(benchGET)
	f.sc.onData(req)
	used := len(f.sc.strs)
	allocs := testing.AllocsPerRun(100, func() { f.sc.onData(req) })
	if allocs != 0 || len(f.sc.strs) != used {
		t.Fatalf("%v allocs per request, string block %d -> %d bytes", allocs, used, len(f.sc.strs))
	}
	out := f.out.String()
	if n, m := strings.Count(out, "HTTP/1.1 200 OK\r\n"), strings.Count(out, "\r\nDate: Fri, 02 Jan 2026 03:04:05 GMT\r\n"); n != 102 || m != 102 {
		t.Fatalf("%d responses with the status line, %d with the Date", n, m)
	}
}

// TestDateOncePerBatch checks that the responses of one read share one
// reading of the clock and that the Date follows it across reads.
func TestDateOncePerBatch(t *testing.T) {
	f := newFakeConn(&Server{Handler: helloHandler})
	f.feed([]byte(strings.Repeat(benchGET, 3)))
	f.now = f.now.Add(2e9)
	f.feed([]byte(benchGET))
	out := f.out.String()
	if n := strings.Count(out, "Date: Fri, 02 Jan 2026 03:04:05 GMT\r\n"); n != 3 {
		t.Fatalf("%d responses with the first Date: %q", n, out)
	}
	if n := strings.Count(out, "Date: Fri, 02 Jan 2026 03:04:07 GMT\r\n"); n != 1 {
		t.Fatalf("%d responses with the later Date: %q", n, out)
	}
}

// TestHandlerDateKept checks that a Date the handler sets replaces the
// server's, for a 200 and for another status.
func TestHandlerDateKept(t *testing.T) {
	for _, status := range []int{200, 404} {
		f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
			w.Header().Set("date", "Sun, 06 Nov 1994 08:49:37 GMT")
			w.WriteHeader(status)
		})})
		f.feed([]byte(benchGET))
		out := f.out.String()
		if strings.Count(out, "ate: ") != 1 || !strings.Contains(out, "date: Sun, 06 Nov 1994 08:49:37 GMT\r\n") {
			t.Fatalf("%d: %q", status, out)
		}
	}
}

// TestRepeatedHeadAfterHandlerChanges checks that a repeated head reads
// as received even when the handler changed the previous request's
// fields, header storage included.
func TestRepeatedHeadAfterHandlerChanges(t *testing.T) {
	head := "GET /a?x=1 HTTP/1.1\r\nHost: h:1\r\nX-V: one\r\nX-W: w\r\n\r\n"
	var seen []seenHead
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		seen = append(seen, headOf(r))
		switch len(seen) {
		case 1:
			h := r.Header // a copy sharing the storage
			h.Set("X-V", "changed")
			r.Path, r.Host, r.Method = "/elsewhere", "other", "PUT"
		case 2:
			r.Header.Del("Host")
			r.Header.Add("X-New", "1")
		case 3:
			r.Header = Header{}
			r.Header.Add("Host", "x")
		}
	})})
	for range 5 {
		f.feed([]byte(head))
	}
	want := seenHead{"GET", "/a?x=1", "/a", "x=1", "h:1", []Field{{"Host", "h:1"}, {"X-V", "one"}, {"X-W", "w"}}}
	if len(seen) != 5 {
		t.Fatalf("%d requests", len(seen))
	}
	checkHeads(t, seen, []seenHead{want, want, want, want, want})
}

// TestLargeHeadNotKept checks heads beyond http1.RepeatMax: the parser
// does not report them as repeated, and they still read right when
// repeated; a shorter head that repeats takes the previous strings.
func TestLargeHeadNotKept(t *testing.T) {
	big := strings.Repeat("b", http1.RepeatMax)
	var got []string
	var repeated []bool
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		got = append(got, r.Header.Get("X-Big"))
		repeated = append(repeated, r.sc.p.Request().Repeated)
	})})
	want := []string{big, big, "s", "s", big}
	for _, v := range want {
		f.feed([]byte("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + v + "\r\n\r\n"))
	}
	if len(got) != len(want) {
		t.Fatalf("%d requests", len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("request %d: %d bytes, want %d", i, len(got[i]), len(want[i]))
		}
		if rep := i == 3; repeated[i] != rep {
			t.Fatalf("request %d: repeated %v", i, repeated[i])
		}
	}
}
