package httpclient_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// echoServer answers each request with its body.
func echoServer(t *testing.T) string {
	return rawServer(t, func(c net.Conn, br *bufio.Reader) {
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			b, err := io.ReadAll(req.Body)
			if err != nil {
				return
			}
			if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+itoa(len(b))+"\r\n\r\n"+string(b)); err != nil {
				return
			}
		}
	})
}

// TestDoBodyDataWithEOF: a request body whose reader returns its last
// bytes together with io.EOF is sent whole.
func TestDoBodyDataWithEOF(t *testing.T) {
	leakcheck.Check(t)
	base := echoServer(t)
	c := &httpclient.Client{Loop: startLoop(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, n := range []int64{-1, 11} {
		req, _ := http.NewRequestWithContext(ctx, "POST", base, iotest.DataErrReader(strings.NewReader("hello world")))
		req.ContentLength = n
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("ContentLength %d: %v", n, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != "hello world" {
			t.Fatalf("ContentLength %d: server got %q, %v", n, b, err)
		}
	}
}

// pieces returns a BodyStream handing out ps in turn, then the end.
func pieces(ps ...string) func() *future.Future[[]byte] {
	return func() *future.Future[[]byte] {
		if len(ps) == 0 {
			return future.Rejected[[]byte](nil, io.EOF)
		}
		p := ps[0]
		ps = ps[1:]
		return future.Resolved[[]byte](nil, []byte(p))
	}
}

// TestStreamLengthMismatch: a streamed body shorter or longer than its
// ContentLength fails the request instead of leaving the server waiting
// for bytes that never come or sending bytes beyond the message, and the
// connection is not reused: the next request gets a clean one.
func TestStreamLengthMismatch(t *testing.T) {
	leakcheck.Check(t)
	base := echoServer(t)
	c := &httpclient.Client{Loop: startLoop(t)}
	u, _ := url.Parse(base)
	for _, tc := range []struct {
		n  int64
		ps []string
	}{
		{10, []string{"abc", "de"}},
		{3, []string{"ab", "cdef"}},
		{3, []string{"abcdef"}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r, err := send(c, &httpclient.Request{Method: "PUT", URL: u, BodyStream: pieces(tc.ps...), ContentLength: tc.n, Context: ctx})
		cancel()
		if !errors.Is(err, httpclient.ErrInvalidRequest) {
			t.Fatalf("ContentLength %d, body %q: %v %+v, want ErrInvalidRequest", tc.n, tc.ps, err, r)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
		r, err = send(c, &httpclient.Request{Method: "PUT", URL: u, Body: []byte("next"), Context: ctx})
		cancel()
		if err != nil || string(r.Body) != "next" {
			t.Fatalf("next request: %v %+v", err, r)
		}
	}
}

// TestGzipWithoutBody: a response without a body that names gzip as its
// Content-Encoding (a 304 describing a gzip representation, a 204, an
// empty 200) is not decompressed: there is nothing to decompress.
func TestGzipWithoutBody(t *testing.T) {
	leakcheck.Check(t)
	resps := map[string]string{
		"/304": "HTTP/1.1 304 Not Modified\r\nContent-Encoding: gzip\r\nETag: \"x\"\r\n\r\n",
		"/204": "HTTP/1.1 204 No Content\r\nContent-Encoding: gzip\r\n\r\n",
		"/0":   "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n",
	}
	base := cannedServer(t, resps)
	c := &httpclient.Client{Loop: startLoop(t)}
	for path := range resps {
		u, _ := url.Parse(base + path)
		r, err := send(c, &httpclient.Request{URL: u})
		if err != nil || len(r.Body) != 0 {
			t.Fatalf("Send %s: %v %+v", path, err, r)
		}
		if r.Header.Get("Content-Encoding") != "gzip" || r.Uncompressed {
			t.Fatalf("Send %s: header %v, uncompressed %v", path, r.Header, r.Uncompressed)
		}
		status, body, err := get(t, c, base+path)
		if err != nil || body != "" || status/100 == 1 {
			t.Fatalf("Do %s: %d %q %v", path, status, body, err)
		}
	}
}

// TestExpectFinalHeadHoldsBody: once a final response has begun instead
// of the 100, the held body is not sent when Timeouts.ExpectContinue
// passes, and the connection, which the server may read either way, is
// not reused.
func TestExpectFinalHeadHoldsBody(t *testing.T) {
	leakcheck.Check(t)
	rest := make(chan chan struct{}, 1)
	after := make(chan string, 1)
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab")
		go_ := make(chan struct{})
		rest <- go_
		<-go_
		io.WriteString(c, "cd")
		// The client either closes the connection or, wrongly, sends the
		// held body on it.
		b := make([]byte, 64)
		n, _ := br.Read(b)
		after <- string(b[:n])
	})
	// The server answers well within the wait, so the body is still held
	// when the head arrives.
	const wait = 500 * time.Millisecond
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{ExpectContinue: wait}}
	u, _ := url.Parse(base)
	fc := make(chan *future.Future[*httpclient.Response], 1)
	c.Loop.Post(func() {
		fc <- c.Stream(&httpclient.Request{Method: "PUT", URL: u, Header: http.Header{"Expect": {"100-continue"}}, Body: []byte("held body")},
			httpclient.StreamHandler{Head: func(*httpclient.Stream, *httpclient.Response) {
				// A timer due after the ExpectContinue one, armed before
				// the head arrived: when it runs, that one has run too.
				c.Loop.AfterFunc(wait, func() { close(<-rest) })
			}})
	})
	r, err := (<-fc).Await(context.Background())
	if err != nil || r.Status != 200 {
		t.Fatalf("%v %+v", err, r)
	}
	if b := <-after; b != "" {
		t.Fatalf("body sent after the final response began: %q", b)
	}
}

// TestStreamPauseHoldsRest: pieces of the body that arrived in the same
// read as the one whose callback paused the stream are held back until
// Resume, as are the head's when Head pauses.
func TestStreamPauseHoldsRest(t *testing.T) {
	leakcheck.Check(t)
	resp := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n"
	base := rawServer(t, serveRaw(resp))
	c := &httpclient.Client{Loop: startLoop(t)}
	u, _ := url.Parse(base)
	for _, inHead := range []bool{false, true} {
		var paused bool
		var got []string
		pause := func(s *httpclient.Stream) {
			s.Pause()
			paused = true
			c.Loop.Post(func() {
				paused = false
				s.Resume()
			})
		}
		fc := make(chan *future.Future[*httpclient.Response], 1)
		c.Loop.Post(func() {
			fc <- c.Stream(&httpclient.Request{URL: u}, httpclient.StreamHandler{
				Head: func(s *httpclient.Stream, _ *httpclient.Response) {
					if inHead {
						pause(s)
					}
				},
				Body: func(s *httpclient.Stream, p []byte) {
					if paused {
						t.Errorf("piece %q delivered while paused", p)
					}
					got = append(got, string(p))
					if !inHead {
						pause(s)
					}
				},
			})
		})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r, err := (<-fc).Await(ctx)
		cancel()
		if err != nil || r.Status != 200 || strings.Join(got, "") != "onetwothree" {
			t.Fatalf("%v %+v %q", err, r, got)
		}
	}
}

// TestDoBodilessContentLength: as with net/http, Do reports a
// ContentLength of 0 for a 204 or 304, whose Content-Length describes a
// body that is not there, and the declared length for HEAD.
func TestDoBodilessContentLength(t *testing.T) {
	leakcheck.Check(t)
	resps := map[string]string{
		"/304": "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n",
		"/204": "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
	}
	base := cannedServer(t, resps)
	c := &httpclient.Client{Loop: startLoop(t)}
	for path, declared := range map[string]int64{"/304": 50, "/204": 7} {
		for _, method := range []string{"GET", "HEAD"} {
			req, _ := http.NewRequest(method, base+path, nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := int64(0)
			if method == "HEAD" {
				want = declared
			}
			if err != nil || len(b) != 0 || resp.ContentLength != want {
				t.Fatalf("%s %s: ContentLength %d, want %d; body %q %v", method, path, resp.ContentLength, want, b, err)
			}
		}
	}
}

// TestStreamBodyWaitsForHandshake: a streamed body is not read ahead
// while a TLS connection is still being set up, when writes are held
// outside the write queue and its high-water mark cannot stop the reads.
func TestStreamBodyWaitsForHandshake(t *testing.T) {
	leakcheck.Check(t)
	// A server that accepts the TCP connection and never answers the
	// ClientHello.
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) { io.Copy(io.Discard, br) })
	u, _ := url.Parse(strings.Replace(base, "http://", "https://", 1))
	c := &httpclient.Client{Loop: startLoop(t)}
	piece := make([]byte, 64<<10)
	const max = 200 // 12.5 MiB
	calls := 0
	stream := func() *future.Future[[]byte] {
		calls++
		if calls > max {
			return future.Rejected[[]byte](nil, io.EOF)
		}
		return future.Resolved[[]byte](nil, piece)
	}
	got := make(chan int, 1)
	c.Loop.Post(func() {
		f := c.Send(&httpclient.Request{Method: "PUT", URL: u, BodyStream: stream})
		got <- calls
		f.Cancel(nil)
	})
	if n := <-got; n*len(piece) > 1<<20 {
		t.Fatalf("%d pieces (%d KiB) read before the handshake", n, n*len(piece)>>10)
	}
}

// cannedServer answers each request with the response text resps holds
// for its path, on keep-alive connections.
func cannedServer(t *testing.T, resps map[string]string) string {
	return rawServer(t, cannedHandler(resps))
}

// cannedHandler serves a connection as cannedServer does.
func cannedHandler(resps map[string]string) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		for {
			req, err := readRequest(br)
			if err != nil {
				return
			}
			if _, err := io.WriteString(c, resps[req.URL.Path]); err != nil {
				return
			}
		}
	}
}
