package httpclient_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// slowBody yields n pieces of body, each after gap.
type slowBody struct {
	n   int
	gap time.Duration
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, io.EOF
	}
	time.Sleep(b.gap)
	b.n--
	return copy(p, "piece"), nil
}

// The response-header timeout counts from the end of the request, as
// net/http's Transport.ResponseHeaderTimeout does: an upload that takes
// longer than it is not cut short.
func TestHeaderTimeoutExcludesUpload(t *testing.T) {
	leakcheck.Check(t)
	// The server keeps the connection for the next request: the client
	// pools it, and had the server closed it after one response, the
	// second POST could meet the closed connection and fail with
	// ErrTruncated (a POST is not retried; see TestStaleRetryIdempotentOnly).
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			b, _ := io.ReadAll(req.Body)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+itoa(len(b))+"\r\n\r\n")
			c.Write(b)
		}
	})
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{ResponseHeader: 100 * time.Millisecond}}
	t.Cleanup(c.CloseIdleConnections)
	for _, length := range []int64{-1, 6 * 5} { // chunked, and with a Content-Length
		req, err := http.NewRequest("POST", base, &slowBody{n: 6, gap: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = length
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("length %d: a 300 ms upload with a 100 ms header timeout: %v", length, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != strings.Repeat("piece", 6) {
			t.Fatalf("length %d: body %q, %v", length, b, err)
		}
	}
}

// Once the request has been written, the timer runs: a server that reads
// the whole body and never answers gets a header timeout.
func TestHeaderTimeoutAfterUpload(t *testing.T) {
	leakcheck.Check(t)
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		readRequest(br)
		io.Copy(io.Discard, br)
	})
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{ResponseHeader: 100 * time.Millisecond}}
	req, err := http.NewRequest("POST", base, &slowBody{n: 3, gap: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(req); !isTimeout(err, httpclient.ErrHeaderTimeout) {
		t.Fatalf("got %v, want a header timeout", err)
	}
}

// Nor does the timer count the connect and the TLS handshake, which
// Timeouts.Connect bounds.
//
// The handshake lasts 2.5 times the timeout, so that a timer counting it
// would surely fire (timers are late, never early). The timeout is the
// time the server has to answer once the request is written: the server
// runs in this process, and with 100 ms a loaded 2-core machine made it
// late (2 runs in 100 under io_uring).
func TestHeaderTimeoutExcludesHandshake(t *testing.T) {
	leakcheck.Check(t)
	const timeout = 500 * time.Millisecond
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		time.Sleep(timeout * 5 / 2)
		return nil, nil
	}}
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c := &httpclient.Client{Loop: startLoop(t), TLSConfig: &tls.Config{RootCAs: pool},
		Timeouts: httpclient.Timeouts{ResponseHeader: timeout}}
	status, body, err := get(t, c, srv.URL)
	if err != nil || status != 200 || body != "ok" {
		t.Fatalf("a %v handshake with a %v header timeout: %d %q %v", timeout*5/2, timeout, status, body, err)
	}
}

// A body given whole, too large for the socket's buffers, counts as
// written only once the socket has taken it: a server slow to read it is
// not cut short either.
//
// As in TestHeaderTimeoutExcludesHandshake, the server waits 2.5 times
// the timeout before it reads, and the timeout is the time it has to read
// what the socket buffers still hold (megabytes on loopback) and answer:
// with 100 ms, a loaded machine under the race detector overran it (once
// in 3 runs of the package).
func TestHeaderTimeoutExcludesQueuedBody(t *testing.T) {
	leakcheck.Check(t)
	const timeout = 500 * time.Millisecond
	body := strings.Repeat("x", 8<<20)
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		time.Sleep(timeout * 5 / 2)
		n, _ := io.Copy(io.Discard, req.Body)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+itoa(int(n))+"\r\n\r\n")
		io.WriteString(c, itoa(int(n)))
	})
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{ResponseHeader: timeout}}
	req, err := http.NewRequest("PUT", base, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("an 8 MiB body read after %v, with a %v header timeout: %v", timeout*5/2, timeout, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != itoa(len(body)) {
		t.Fatalf("server read %s bytes, want %d", b, len(body))
	}
}
