package http1

import (
	"errors"
	"strings"
	"testing"
)

func hdr(kv ...string) Header {
	var h Header
	for i := 0; i+1 < len(kv); i += 2 {
		h = append(h, Field{Name: []byte(kv[i]), Value: []byte(kv[i+1])})
	}
	return h
}

func TestAppendResponseHeader(t *testing.T) {
	tests := []struct {
		status int
		h      Header
		want   string
		err    error
	}{
		{200, hdr("Content-Length", "5", "Content-Type", "text/plain; charset=utf-8"),
			"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", nil},
		{404, nil, "HTTP/1.1 404 Not Found\r\n\r\n", nil},
		{599, hdr("X", ""), "HTTP/1.1 599 \r\nX: \r\n\r\n", nil},
		{431, hdr("X", "a\tb \x80"), "HTTP/1.1 431 Request Header Fields Too Large\r\nX: a\tb \x80\r\n\r\n", nil},
		{99, nil, "", ErrInvalidStatus},
		{600, nil, "", ErrInvalidStatus},
		{-200, nil, "", ErrInvalidStatus},
		{200, hdr("Bad Name", "x"), "", ErrInvalidFieldName},
		{200, hdr("", "x"), "", ErrInvalidFieldName},
		{200, hdr("Name:", "x"), "", ErrInvalidFieldName},
		{200, hdr("X", "a\r\nInjected: yes"), "", ErrInvalidFieldValue},
		{200, hdr("X", "a\nb"), "", ErrInvalidFieldValue},
		{200, hdr("X", "a\x00"), "", ErrInvalidFieldValue},
		{200, hdr("X", "a\x7f"), "", ErrInvalidFieldValue},
		{200, hdr("X", " a"), "", ErrInvalidFieldValue},
		{200, hdr("X", "a\t"), "", ErrInvalidFieldValue},
		{200, hdr("A", "ok", "X", "bad\r"), "", ErrInvalidFieldValue},
	}
	for _, tc := range tests {
		got, err := AppendResponseHeader([]byte("prefix"), tc.status, tc.h)
		if !errors.Is(err, tc.err) {
			t.Errorf("%d %v: error %v, want %v", tc.status, tc.h, err, tc.err)
		}
		if string(got) != "prefix"+tc.want {
			t.Errorf("%d %v: got %q, want %q", tc.status, tc.h, got, "prefix"+tc.want)
		}
	}
}

func TestAppendRequestHeader(t *testing.T) {
	tests := []struct {
		method, target string
		h              Header
		want           string
		err            error
	}{
		{"GET", "/a/b?c=d", hdr("Host", "example.com"), "GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\n\r\n", nil},
		{"OPTIONS", "*", hdr("Host", "a"), "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", nil},
		{"CONNECT", "example.com:443", hdr("Host", "example.com:443"), "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", nil},
		{"GET", "http://a/b", nil, "GET http://a/b HTTP/1.1\r\n\r\n", nil},
		{"G T", "/", nil, "", ErrInvalidMethod},
		{"", "/", nil, "", ErrInvalidMethod},
		{"GET", "", nil, "", ErrInvalidTarget},
		{"GET", "/a b", nil, "", ErrInvalidTarget},
		{"GET", "/a\r\nX: y", nil, "", ErrInvalidTarget},
		{"GET", "*", nil, "", ErrInvalidTarget},
		{"CONNECT", "/", nil, "", ErrInvalidTarget},
		{"GET", "/", hdr("X", "\r\n"), "", ErrInvalidFieldValue},
	}
	for _, tc := range tests {
		got, err := AppendRequestHeader([]byte("p"), tc.method, tc.target, tc.h)
		if !errors.Is(err, tc.err) {
			t.Errorf("%q %q: error %v, want %v", tc.method, tc.target, err, tc.err)
		}
		if string(got) != "p"+tc.want {
			t.Errorf("%q %q: got %q, want %q", tc.method, tc.target, got, "p"+tc.want)
		}
	}
}

func TestAppendField(t *testing.T) {
	b, err := AppendField([]byte{}, "A", "b")
	if err != nil || string(b) != "A: b\r\n" {
		t.Fatalf("%q %v", b, err)
	}
	b, err = AppendField(b, []byte("C"), []byte("d e"))
	if err != nil || string(b) != "A: b\r\nC: d e\r\n" {
		t.Fatalf("%q %v", b, err)
	}
	if _, err := AppendField(nil, "A", "\x01"); !errors.Is(err, ErrInvalidFieldValue) {
		t.Fatal(err)
	}
}

func TestAppendChunks(t *testing.T) {
	got := AppendChunk(nil, []byte("hello"))
	got = AppendChunk(got, nil)
	got = AppendChunk(got, []byte(strings.Repeat("x", 255)))
	got = AppendChunkHeader(got, 0)
	got = AppendChunkHeader(got, -1)
	got = AppendChunkHeader(got, 1<<30)
	got, err := AppendLastChunk(got, hdr("Expires", "never"))
	if err != nil {
		t.Fatal(err)
	}
	want := "5\r\nhello\r\nff\r\n" + strings.Repeat("x", 255) + "\r\n40000000\r\n0\r\nExpires: never\r\n\r\n"
	if string(got) != want {
		t.Fatalf("got %q", got)
	}
	if got, err := AppendLastChunk([]byte("x"), nil); err != nil || string(got) != "x0\r\n\r\n" {
		t.Fatalf("%q %v", got, err)
	}
	if got, err := AppendLastChunk([]byte("x"), hdr("A", "\n")); !errors.Is(err, ErrInvalidFieldValue) || string(got) != "x" {
		t.Fatalf("%q %v", got, err)
	}
}

func TestEncodeThenParse(t *testing.T) {
	var msg []byte
	msg, _ = AppendRequestHeader(msg, "POST", "/upload?x=1", hdr("Host", "example.com", "Transfer-Encoding", "chunked", "X-A", "b c"))
	msg = AppendChunk(msg, []byte("hello "))
	msg = AppendChunk(msg, []byte("world"))
	msg, _ = AppendLastChunk(msg, hdr("X-Sum", "42"))
	recs, err, rest := run(reqP{NewRequestParser()}, msg)
	if err != nil || len(rest) != 0 {
		t.Fatal(err, rest)
	}
	checkEvents(t, recs, []exp{
		head("method", "POST", "target", "/upload?x=1", "host", "example.com", "fields", "Host:example.com|Transfer-Encoding:chunked|X-A:b c", "framing", "Chunked"),
		body("hello world"), trailer("X-Sum:42"), end()})

	msg, _ = AppendResponseHeader(msg[:0], 200, hdr("Content-Length", "2"))
	msg = append(msg, "ok"...)
	recs, err, _ = run(respP{NewResponseParser()}, msg)
	if err != nil {
		t.Fatal(err)
	}
	checkEvents(t, recs, []exp{head("status", "200", "reason", "OK"), body("ok"), end()})
}

func TestEncodersDoNotAllocate(t *testing.T) {
	h := hdr("Content-Type", "text/plain", "Content-Length", "5")
	dst := make([]byte, 0, 1024)
	var dc DateCache
	now := dateRef
	allocs := testing.AllocsPerRun(100, func() {
		b, _ := AppendResponseHeader(dst, 200, h)
		b, _ = AppendRequestHeader(b, "GET", "/index.html", h)
		b, _ = AppendField(b, "Server", "eddy")
		b = AppendChunk(b, []byte("hello"))
		b, _ = AppendLastChunk(b, nil)
		b = dc.Append(b, now)
		_ = AppendDate(b, now)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run", allocs)
	}
}

func TestStatusText(t *testing.T) {
	for code, want := range map[int]string{200: "OK", 404: "Not Found", 413: "Content Too Large", 505: "HTTP Version Not Supported",
		0: "", -1: "", 299: "", 600: "", 1 << 20: ""} {
		if got := StatusText(code); got != want {
			t.Errorf("StatusText(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestHeaderLookup(t *testing.T) {
	h := hdr("Host", "a", "X-Multi", "1", "x-multi", "2", "Empty", "")
	if string(h.Get("HOST")) != "a" || h.Get("missing") != nil {
		t.Fatal("Get")
	}
	if v, ok := h.Lookup("empty"); !ok || len(v) != 0 {
		t.Fatal("Lookup of empty value")
	}
	if !h.Has("x-MULTI") || h.Has("X-Mult") {
		t.Fatal("Has")
	}
	var vals []string
	for v := range h.Values("X-Multi") {
		vals = append(vals, string(v))
	}
	if strings.Join(vals, ",") != "1,2" {
		t.Fatalf("Values: %v", vals)
	}
	for range h.Values("X-Multi") {
		break // stopping early must not panic
	}
}
