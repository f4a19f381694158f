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
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		b, _ := io.ReadAll(req.Body)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+itoa(len(b))+"\r\n\r\n")
		c.Write(b)
	})
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{ResponseHeader: 100 * time.Millisecond}}
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
func TestHeaderTimeoutExcludesHandshake(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		time.Sleep(250 * time.Millisecond)
		return nil, nil
	}}
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c := &httpclient.Client{Loop: startLoop(t), TLSConfig: &tls.Config{RootCAs: pool},
		Timeouts: httpclient.Timeouts{ResponseHeader: 100 * time.Millisecond}}
	status, body, err := get(t, c, srv.URL)
	if err != nil || status != 200 || body != "ok" {
		t.Fatalf("a 250 ms handshake with a 100 ms header timeout: %d %q %v", status, body, err)
	}
}

// A body given whole, too large for the socket's buffers, counts as
// written only once the socket has taken it: a server slow to read it is
// not cut short either.
func TestHeaderTimeoutExcludesQueuedBody(t *testing.T) {
	leakcheck.Check(t)
	body := strings.Repeat("x", 8<<20)
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		time.Sleep(300 * time.Millisecond)
		n, _ := io.Copy(io.Discard, req.Body)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+itoa(int(n))+"\r\n\r\n")
		io.WriteString(c, itoa(int(n)))
	})
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{ResponseHeader: 100 * time.Millisecond}}
	req, err := http.NewRequest("PUT", base, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("an 8 MiB body read after 300 ms, with a 100 ms header timeout: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != itoa(len(body)) {
		t.Fatalf("server read %s bytes, want %d", b, len(body))
	}
}
