package httpserver

import (
	"strings"
	"testing"
)

// TestRecycleEchoedHeaderNotShared checks a handler that answers with
// the request's own fields (*w.Header() = r.Header, which shares their
// storage for that one request): the next request on the connection,
// on a recycled Request, must still read its fields as received when
// its handler adds response fields.
func TestRecycleEchoedHeaderNotShared(t *testing.T) {
	var seen []seenHead
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		if r.Path == "/echo" {
			*w.Header() = r.Header
			return
		}
		w.Header().Set("X-Resp", "1")
		w.Header().Add("X-Resp2", "2")
		seen = append(seen, headOf(r))
	})})
	f.feed([]byte("GET /echo HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\r\n"))
	f.feed([]byte("GET /b HTTP/1.1\r\nHost: h\r\nX-B: b\r\n\r\n"))
	if len(seen) != 1 {
		t.Fatalf("%d requests: %q", len(seen), f.out.String())
	}
	want := seenHead{"GET", "/b", "/b", "", "h", []Field{{"Host", "h"}, {"X-B", "b"}}}
	checkHeads(t, seen, []seenHead{want})
	if out := f.out.String(); strings.Count(out, "X-Resp: 1\r\n") != 1 {
		t.Fatalf("output %q", out)
	}
}

// TestRecycleSharedDefaultsKept checks a handler that answers with a
// Header of its own that it keeps for every response (*w.Header() =
// defaults): recycling the response must not clear or overwrite the
// handler's fields.
func TestRecycleSharedDefaultsKept(t *testing.T) {
	var defaults Header
	defaults.Add("Server", "eddy")
	defaults.Add("X-Frame-Options", "DENY")
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		*w.Header() = defaults
		w.WriteString("ok")
	})})
	for range 3 {
		f.feed([]byte("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
	}
	if got := defaults.Get("Server"); got != "eddy" || defaults.Len() != 2 || defaults.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("handler's fields changed: %q", defaults.fields)
	}
	if out := f.out.String(); strings.Count(out, "Server: eddy\r\n") != 3 {
		t.Fatalf("output %q", out)
	}
}

// TestAbortKeepsHandlerHeader checks a response aborted by the server
// (here a malformed chunked body that the handler was reading) whose
// fields are a Header the handler keeps (*w.Header() = defaults): the
// error response must not clear or overwrite the handler's fields.
func TestAbortKeepsHandlerHeader(t *testing.T) {
	var defaults Header
	defaults.Add("Server", "eddy")
	defaults.Add("X-Frame-Options", "DENY")
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		*w.Header() = defaults
		r.ReadBody(1<<10, func(body []byte, err error) {
			if err == nil {
				w.WriteString("ok")
			}
		})
	})})
	f.feed([]byte("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
	out := f.out.String()
	if !strings.HasPrefix(out, "HTTP/1.1 400 ") {
		t.Fatalf("output %q, want a 400", out)
	}
	if got := defaults.Get("Server"); got != "eddy" || defaults.Len() != 2 || defaults.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("handler's fields changed: %q", defaults.fields)
	}
}

// TestAttachSurvivesRecycling checks Attach, Attached and Spare: each
// request starts with nothing attached; a recycled Request offers what
// its previous request attached as its spare, and a request that kept
// its Request from being recycled (Async) takes its attachment with it.
func TestAttachSurvivesRecycling(t *testing.T) {
	type got struct {
		attached, spare any
	}
	var seen []got
	n := 0
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		seen = append(seen, got{r.Attached(), r.Spare()})
		n++
		r.Attach(n)
		if r.Path == "/async" {
			w.Async()
			w.Header().Set("X", "1")
			w.End()
		}
	})})
	for _, p := range []string{"/a", "/b", "/async", "/c"} {
		f.feed([]byte("GET " + p + " HTTP/1.1\r\nHost: h\r\n\r\n"))
	}
	want := []got{{nil, nil}, {nil, 1}, {nil, 2}, {nil, nil}}
	if len(seen) != len(want) {
		t.Fatalf("%d requests, want %d", len(seen), len(want))
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("request %d: attached %v, spare %v; want %v, %v", i, seen[i].attached, seen[i].spare, want[i].attached, want[i].spare)
		}
	}
}
