package httpserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestUnreadBodyCloseIsAnnounced checks that a response after which the
// server closes the connection because of a request body it did not read
// says "Connection: close" (RFC 9112 §9.6), so that the client learns it
// from the response instead of from its next request failing. Each case
// sends a request head and part of its body over TCP, the handler
// answers without reading the body, and the rest of the body never comes
// before the response has been read. Before, a chunked body's response
// (whose length the server cannot know) went out without the field, and
// the connection closed after it once the discarded bytes passed the
// limit.
func TestUnreadBodyCloseIsAnnounced(t *testing.T) {
	leakcheck.Check(t)
	answer := HandlerFunc(func(w *ResponseWriter, r *Request) { w.WriteString("unread") })
	stream := HandlerFunc(func(w *ResponseWriter, r *Request) {
		// The head goes before the end of the response.
		w.WriteString("unread")
		w.Flush()
	})
	std := Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "unread") }))
	chunk := "4000\r\n" + strings.Repeat("x", 16<<10) + "\r\n" // 16 KiB
	for _, tc := range []struct {
		name    string
		h       Handler
		head    string
		partial string // of the body: the rest is not sent
	}{
		{"chunked", answer, "Transfer-Encoding: chunked", chunk},
		{"chunked/large", answer, "Transfer-Encoding: chunked", strings.Repeat(chunk, 4)},
		{"chunked/flushed", stream, "Transfer-Encoding: chunked", chunk},
		{"chunked/std", std, "Transfer-Encoding: chunked", chunk},
		{"length/large", answer, "Content-Length: 1000000", strings.Repeat("x", 1000)},
		{"length/flushed", stream, "Content-Length: 1000000", strings.Repeat("x", 1000)},
		{"continue/chunked", answer, "Transfer-Encoding: chunked\r\nExpect: 100-continue", ""},
		{"continue/length", answer, "Content-Length: 10\r\nExpect: 100-continue", ""},
		{"continue/flushed", stream, "Content-Length: 10\r\nExpect: 100-continue", ""},
		{"continue/std", std, "Content-Length: 10\r\nExpect: 100-continue", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{Handler: tc.h}
			addr, _ := ServeForTest(t, s, 1)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(c, "POST /up HTTP/1.1\r\nHost: x\r\n"+tc.head+"\r\n\r\n"+tc.partial); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || string(b) != "unread" {
				t.Fatalf("body %q, %v", b, err)
			}
			if resp.Close {
				// The server ends the connection (its writing side:
				// it lingers for the client's).
				n, err := io.Copy(io.Discard, br)
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Fatalf("Connection: close, but the connection stays open (%d bytes)", n)
				}
				return
			}
			// Kept alive: the client sends the rest of the body (past
			// the discard limit, if chunked), then its next request,
			// which must be answered.
			rest := strings.Repeat(chunk, 20) + "0\r\n\r\n"
			if n, ok := strings.CutPrefix(tc.head, "Content-Length: "); ok {
				size, _ := strconv.Atoi(strings.SplitN(n, "\r", 2)[0])
				rest = strings.Repeat("y", size-len(tc.partial))
			}
			wrote := make(chan struct{})
			go func() {
				defer close(wrote)
				io.WriteString(c, rest+"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
			}()
			defer func() { c.Close(); <-wrote }()
			resp, err = http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("response without Connection: close, then the next request got %v", err)
			}
			resp.Body.Close()
		})
	}
}

// TestUnreadBodyKeepsAlive checks the other side of
// TestUnreadBodyCloseIsAnnounced: a body the handler did not read that
// the server can drop without waiting for the client (it is all in the
// bytes received with the head, or its known length is within the
// discard limit) does not cost the connection.
func TestUnreadBodyKeepsAlive(t *testing.T) {
	chunked := "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"3\r\nabc\r\n4000\r\n" + strings.Repeat("x", 16<<10) + "\r\n0\r\nX-T: 1\r\n\r\n"
	for _, tc := range []struct {
		name string
		in   string
	}{
		{"chunked", chunked},
		{"length", "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"},
		{"length/partial", "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\nhello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
				w.WriteString("unread")
			})})
			f.feed([]byte(tc.in))
			out := f.out.String()
			if !strings.HasPrefix(out, "HTTP/1.1 200 OK\r\n") || strings.Contains(out, "Connection: close") || f.closed {
				t.Fatalf("closed %v, output %q", f.closed, out)
			}
		})
	}
	// A chunked body that ends in the read that brings the head, but is
	// too long to discard.
	big := "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		strings.Repeat("4000\r\n"+strings.Repeat("x", 16<<10)+"\r\n", 20) + "0\r\n\r\n"
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) { w.WriteString("unread") })})
	f.feed([]byte(big))
	if out := f.out.String(); !strings.Contains(out, "Connection: close") {
		t.Fatalf("a body past the discard limit, output %q", out)
	}
}
