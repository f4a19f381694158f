package httpserver_test

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestHeaderTimeoutCountsEmptyLines checks that the empty lines a server
// skips before a request line (RFC 9112 §2.2) are bytes of the head for
// ReadHeaderTimeout: a client that sends only CRLFs, each well within
// the idle timeout, must not hold the connection past the header
// timeout, as one sending a head a byte at a time does not.
func TestHeaderTimeoutCountsEmptyLines(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler(), ReadHeaderTimeout: 200 * time.Millisecond, IdleTimeout: time.Hour}, 1)
	for _, first := range []bool{true, false} {
		c, br := dial(t, addr)
		if !first {
			// After a request, the next head's first bytes start its
			// timeout as well.
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			readResponse(t, br, "GET")
		}
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				if _, err := io.WriteString(c, "\r\n"); err != nil {
					return
				}
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
		}()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := io.Copy(io.Discard, br)
		close(stop)
		<-done
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("first request %v: a client sending only empty lines kept the connection past the header timeout", first)
		}
	}
}

// TestBodyTimeoutKeepsEarlierResponses checks that a request body that
// stalls past ReadBodyTimeout, after its response has ended, costs only
// that request: the responses to the requests before it, still being
// computed, are sent before the connection closes.
func TestBodyTimeoutKeepsEarlierResponses(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler(), ReadBodyTimeout: 100 * time.Millisecond}, 1)
	c, br := dial(t, addr)
	// The second request's handler answers without reading its body,
	// of which half arrives: the rest is discarded as it comes, until
	// the client goes silent.
	io.WriteString(c, "GET /delay/400 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"POST /unread HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabcde")
	if _, body := readResponse(t, br, "GET"); body != "delay 400" {
		t.Fatalf("first response: %q", body)
	}
	if _, body := readResponse(t, br, "POST"); body != "hello /unread" {
		t.Fatalf("second response: %q", body)
	}
	expectEOF(t, c, br)
}

// TestConnectSuccessIsATunnel checks the server's side of RFC 9110
// §9.3.6 and RFC 9112 §6.3: a 2xx response to CONNECT makes the
// connection a tunnel right after its head, so it carries no
// Content-Length or Transfer-Encoding, and as the server has no tunnel
// to offer, the connection closes after it; the bytes that followed the
// CONNECT (tunnel data to the client and to any proxy in between) are
// never parsed as requests. A CONNECT answered otherwise leaves the
// connection as it was.
func TestConnectSuccessIsATunnel(t *testing.T) {
	leakcheck.Check(t)
	var mu sync.Mutex
	var seen []string
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.Target)
		mu.Unlock()
		switch r.Target {
		case "refused:443":
			w.WriteHeader(403)
		case "nobody:443":
			w.WriteHeader(204)
			return
		case "framed:443":
			w.Header().Set("Content-Length", "5")
		}
		w.WriteString("hello")
	})
	addr, _ := start(t, &httpserver.Server{Handler: h}, 1)
	after := "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, target := range []string{"ok:443", "nobody:443", "framed:443"} {
		mu.Lock()
		seen = nil
		mu.Unlock()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "CONNECT "+target+" HTTP/1.1\r\nHost: "+target+"\r\n\r\n"+after)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, err := io.ReadAll(c)
		c.Close()
		if err != nil {
			t.Fatalf("%s: %q, then %v (want the connection closed)", target, b, err)
		}
		head, body, _ := strings.Cut(string(b), "\r\n\r\n")
		if !strings.HasPrefix(head, "HTTP/1.1 2") || strings.Contains(head, "Content-Length") || strings.Contains(head, "Transfer-Encoding") {
			t.Errorf("%s: head %q: framing fields in a 2xx response to CONNECT", target, head)
		}
		if want := map[bool]string{true: "", false: "hello"}[target == "nobody:443"]; body != want {
			t.Errorf("%s: tunnel data %q, want %q", target, body, want)
		}
		mu.Lock()
		if len(seen) != 1 {
			t.Errorf("%s: requests seen %q: the bytes after a CONNECT answered 2xx were parsed as HTTP", target, seen)
		}
		mu.Unlock()
	}

	// Refused: an ordinary response, and the connection goes on.
	mu.Lock()
	seen = nil
	mu.Unlock()
	c, br := dial(t, addr)
	io.WriteString(c, "CONNECT refused:443 HTTP/1.1\r\nHost: refused:443\r\n\r\n"+after)
	resp, body := readResponse(t, br, "CONNECT")
	if resp.StatusCode != 403 || body != "hello" || resp.Close {
		t.Fatalf("refused CONNECT: %d %q close %v", resp.StatusCode, body, resp.Close)
	}
	resp, body = readResponse(t, br, "GET")
	if resp.StatusCode != 200 || body != "hello" {
		t.Fatalf("after a refused CONNECT: %d %q", resp.StatusCode, body)
	}
}

// TestFramingConformance sends RFC 9112 framing edge cases over a real
// socket: what is ambiguous is answered with its status and a close,
// with nothing after it processed; what is valid, however unusual, is
// read as RFC 9110 and RFC 9112 define it.
func TestFramingConformance(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler()}, 1)
	const echo = "POST /echo HTTP/1.1\r\nHost: x\r\n"
	const next = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, tc := range []struct {
		req    string
		status int
	}{
		{echo + "Content-Length: +5\r\n\r\nabcde", 400},
		{echo + "Content-Length: -5\r\n\r\nabcde", 400},
		{echo + "Content-Length: 0x5\r\n\r\nabcde", 400},
		{echo + "Content-Length: 5 5\r\n\r\nabcde", 400},
		{echo + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef", 400},
		{echo + "Content-Length: \r\n\r\n", 400},
		{echo + "Content-Length: 99999999999999999999\r\n\r\n", 400},
		{echo + "Content-Length: \r\n 5\r\n\r\nabcde", 400},
		{echo + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: identity\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
		{echo + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: \"chunked\"\r\n\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked\x0c\r\n\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: \r\n chunked\r\n\r\n0\r\n\r\n", 400},
		{echo + "X: y\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n", 400},
		{"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked\r\n\r\n0x5\r\nabcde\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked\r\n\r\n-5\r\nabcde\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\nabcde\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked\r\n\r\n5 \r\nabcde\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked\r\n\r\n5;\r\nabcde\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked\r\n\r\n5;a=\"b\r\nc\"\r\nabcde\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked\r\n\r\n5\nabcde\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked\r\n\r\n5\r\nabcdefg\r\n0\r\n\r\n", 400},
		{echo + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\r\n", 400},
		{echo + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: y\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: x\x00\r\n\r\n", 400},
		{"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400},
		{"GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{" GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400},
		{"GET / http/1.1\r\nHost: x\r\n\r\n", 400},
		{"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400},
		{"GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"GET http://a/ HTTP/1.1\r\n\r\n", 400},
		{"CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"CONNECT /a HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	} {
		// The request after the rejected one must not be answered.
		expectClose(t, addr, tc.req+next, tc.status)
	}

	for _, tc := range []struct {
		req, body string
	}{
		{echo + "Content-Length: 005\r\n\r\nabcde", "abcde"},
		{echo + "Content-Length: 5, 5\r\n\r\nabcde", "abcde"},
		{echo + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nabcde", "abcde"},
		{echo + "Transfer-Encoding: Chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n", "abcde"},
		{echo + "Transfer-Encoding: chunked\r\n\r\n005;a=b;c=\"d\\\"e\"\r\nabcde\r\n0\r\n\r\n", "abcde"},
		// Trailer fields that would reframe the message are only
		// trailers: they change neither the body nor the header.
		{echo + "Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\nHost: evil\r\nX-T: t\r\n\r\n", "abcde"},
		{"\r\n\r\n" + echo + "Content-Length: 5\r\n\r\nabcde", "abcde"},
	} {
		c, br := dial(t, addr)
		io.WriteString(c, tc.req+next)
		resp, body := readResponse(t, br, "POST")
		if resp.StatusCode != 200 || body != tc.body || resp.Close {
			t.Fatalf("%q: %d %q close %v", tc.req, resp.StatusCode, body, resp.Close)
		}
		if resp, body = readResponse(t, br, "GET"); body != "hello /next" {
			t.Fatalf("%q: next request: %d %q", tc.req, resp.StatusCode, body)
		}
		c.Close()
	}

	// An absolute-form target overrides Host (RFC 9112 §3.2.2).
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.WriteString(r.Host + " " + r.Path)
	})
	addr2, _ := start(t, &httpserver.Server{Handler: h}, 1)
	c, br := dial(t, addr2)
	io.WriteString(c, "GET http://other:81/p?q HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := readResponse(t, br, "GET"); body != "other:81 /p" {
		t.Fatalf("absolute-form: %q", body)
	}
}
