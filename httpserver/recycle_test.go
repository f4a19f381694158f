package httpserver

import (
	"strings"
	"testing"

	"github.com/eddy-go/eddy/future"
)

const recycleGET = "GET /a HTTP/1.1\r\nHost: x\r\nX-N: 1\r\n\r\n"

// recycleRun feeds three keep-alive requests, one at a time, to a
// handler made by mk, and returns the Requests it saw and their fields
// as read during each call.
func recycleRun(t *testing.T, mk func(*[]*Request) Handler) ([]*Request, *fakeConn) {
	t.Helper()
	var seen []*Request
	f := newFakeConn(&Server{Handler: mk(&seen)})
	for i := 0; i < 3; i++ {
		f.feed([]byte(recycleGET))
	}
	return seen, f
}

func TestRecycleSyncReuses(t *testing.T) {
	var paths []string
	var hdrs []Header
	seen, f := recycleRun(t, func(seen *[]*Request) Handler {
		return HandlerFunc(func(w *ResponseWriter, r *Request) {
			*seen = append(*seen, r)
			paths = append(paths, r.Path)
			hdrs = append(hdrs, r.Header)
			w.Header().Set("Content-Type", "text/plain")
			w.WriteString("hi")
		})
	})
	if len(seen) != 3 || seen[0] != seen[1] || seen[1] != seen[2] {
		t.Fatalf("synchronous requests not reused: %p", seen)
	}
	for _, p := range paths {
		if p != "/a" {
			t.Fatalf("path kept past the request changed: %q", p)
		}
	}
	if got := strings.Count(f.out.String(), "HTTP/1.1 200 OK\r\n"); got != 3 {
		t.Fatalf("%d responses: %q", got, f.out.String())
	}
	if n := strings.Count(f.out.String(), "Content-Type: text/plain\r\n"); n != 3 {
		t.Fatalf("response header repeated or lost on reuse: %q", f.out.String())
	}
}

func TestRecycleStringsStable(t *testing.T) {
	var kept []string
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		kept = append(kept, r.Path, r.Header.Get("X-N"))
	})})
	var want []string
	for i := 0; i < 200; i++ { // enough to fill several string blocks
		n := strings.Repeat("z", i%50)
		f.feed([]byte("GET /" + n + " HTTP/1.1\r\nHost: x\r\nX-N: " + n + "\r\n\r\n"))
		want = append(want, "/"+n, n)
	}
	if len(kept) != len(want) {
		t.Fatalf("%d strings, want %d", len(kept), len(want))
	}
	for i := range want {
		if kept[i] != want[i] {
			t.Fatalf("string %d changed after reuse: %q, want %q", i, kept[i], want[i])
		}
	}
}

func TestRecycleUnsafeCasesNotReused(t *testing.T) {
	cases := map[string]func(w *ResponseWriter, r *Request, ends *[]*ResponseWriter){
		"Async": func(w *ResponseWriter, r *Request, ends *[]*ResponseWriter) {
			w.Async()
			*ends = append(*ends, w)
		},
		"AsyncEndedInHandler": func(w *ResponseWriter, r *Request, ends *[]*ResponseWriter) {
			w.Async()
			w.End()
		},
		"OnEnd": func(w *ResponseWriter, r *Request, ends *[]*ResponseWriter) {
			w.OnEnd(func() {})
		},
		"OnWritable": func(w *ResponseWriter, r *Request, ends *[]*ResponseWriter) {
			w.OnWritable(func() {})
		},
		"OnAbort": func(w *ResponseWriter, r *Request, ends *[]*ResponseWriter) {
			w.OnAbort(func() {})
		},
		"ReadBody": func(w *ResponseWriter, r *Request, ends *[]*ResponseWriter) {
			r.ReadBody(1<<10, func([]byte, error) {})
		},
		"Wait": func(w *ResponseWriter, r *Request, ends *[]*ResponseWriter) {
			fut, p := future.New[int](nil)
			Wait(w, fut, func(int, error) {})
			p.Resolve(1)
		},
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			var ends []*ResponseWriter
			seen, f := recycleRun(t, func(seen *[]*Request) Handler {
				return HandlerFunc(func(w *ResponseWriter, r *Request) {
					*seen = append(*seen, r)
					body(w, r, &ends)
					if len(ends) > 0 {
						// End the previous request's response later,
						// after the next one has started.
						e := ends[0]
						ends = ends[1:]
						if e != w {
							e.End()
						}
					}
				})
			})
			for _, e := range ends {
				e.End()
			}
			f.settle()
			if len(seen) < 2 {
				t.Fatalf("%d requests handled: %q", len(seen), f.out.String())
			}
			for i := 1; i < len(seen); i++ {
				for j := 0; j < i; j++ {
					if seen[i] == seen[j] {
						t.Fatalf("request %d reused request %d's object", i, j)
					}
				}
			}
		})
	}
}

func TestRequestTargetParts(t *testing.T) {
	cases := []struct{ line, target, path, query, host string }{
		{"GET /a/b?c=1&d HTTP/1.1\r\nHost: h\r\n\r\n", "/a/b?c=1&d", "/a/b", "c=1&d", "h"},
		{"GET /a/b HTTP/1.1\r\nHost: h\r\n\r\n", "/a/b", "/a/b", "", "h"},
		{"GET /a? HTTP/1.1\r\nHost: h\r\n\r\n", "/a?", "/a", "", "h"},
		{"GET http://o:81/p?q HTTP/1.1\r\nHost: h\r\n\r\n", "http://o:81/p?q", "/p", "q", "o:81"},
		{"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "*", "*", "", "h"},
	}
	for _, c := range cases {
		var got [4]string
		f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
			got = [4]string{r.Target, r.Path, r.RawQuery, r.Host}
		})})
		f.feed([]byte(c.line))
		if want := [4]string{c.target, c.path, c.query, c.host}; got != want {
			t.Errorf("%q: got %q, want %q", c.line, got, want)
		}
	}
}

func TestRequestFieldsCopied(t *testing.T) {
	head := "PROPFIND /x HTTP/1.1\r\nhOsT: h:1\r\nAccept: */*\r\nConnection: Keep-Alive\r\n" +
		"X-Empty:\r\nUser-Agent: gzip\r\nX-A: keep-alive\r\n\r\n"
	want := []Field{{"hOsT", "h:1"}, {"Accept", "*/*"}, {"Connection", "Keep-Alive"},
		{"X-Empty", ""}, {"User-Agent", "gzip"}, {"X-A", "keep-alive"}}
	var got []Field
	var method, host string
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		method, host = r.Method, r.Host
		got = got[:0]
		for k, v := range r.Header.All() {
			got = append(got, Field{k, v})
		}
	})})
	for range 2 { // the second time on a recycled Request
		f.feed([]byte(head))
		if method != "PROPFIND" || host != "h:1" || len(got) != len(want) {
			t.Fatalf("method %q host %q fields %q", method, host, got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("field %d: %q, want %q", i, got[i], want[i])
			}
		}
	}
}
