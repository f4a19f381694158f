package httpclient_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// testProxy is a tiny HTTP proxy: absolute-form requests are forwarded to
// backend, and CONNECT opens a tunnel to backend, whatever the host asked
// for, so that no name is ever resolved. A CONNECT to refuseHost is
// answered 407, one to floodHost with 11 interim answers before the 200.
type testProxy struct {
	backend string // host:port
	mu      sync.Mutex
	seen    []string // request lines
	auth    []string // Proxy-Authorization values
}

const (
	refuseHost = "refused.invalid"
	floodHost  = "flood.invalid"
)

func startProxy(t *testing.T, backend string) (*testProxy, *url.URL) {
	p := &testProxy{backend: backend}
	base := rawServer(t, p.serve)
	u, _ := url.Parse(base)
	return p, u
}

func (p *testProxy) record(req *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, req.Method+" "+req.RequestURI)
	p.auth = append(p.auth, req.Header.Get("Proxy-Authorization"))
}

func (p *testProxy) lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

func (p *testProxy) serve(c net.Conn, br *bufio.Reader) {
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		p.record(req)
		if req.Method == "CONNECT" {
			if strings.HasPrefix(req.Host, refuseHost) {
				io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
				continue
			}
			if strings.HasPrefix(req.Host, floodHost) {
				io.WriteString(c, strings.Repeat("HTTP/1.1 102 Processing\r\n\r\n", 11))
			}
			b, err := net.Dial("tcp", p.backend)
			if err != nil {
				return
			}
			defer b.Close()
			io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
			done := make(chan struct{})
			go func() {
				// Plain writers: no splice, whose pipes outlive the test.
				io.Copy(struct{ io.Writer }{b}, struct{ io.Reader }{br})
				b.(*net.TCPConn).CloseWrite()
				close(done)
			}()
			io.Copy(struct{ io.Writer }{c}, struct{ io.Reader }{b})
			c.(*net.TCPConn).CloseWrite()
			<-done
			return
		}
		// Forward proxy: one backend connection per request.
		b, err := net.Dial("tcp", p.backend)
		if err != nil {
			return
		}
		req.Header.Del("Proxy-Authorization")
		req.Write(b)
		resp, err := http.ReadResponse(bufio.NewReader(b), req)
		if err == nil {
			err = resp.Write(c)
			resp.Body.Close()
		}
		b.Close()
		if err != nil {
			return
		}
	}
}

func hostEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Method+" "+r.Host+" "+r.URL.Path)
	})
}

func TestForwardProxy(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewServer(hostEcho())
	t.Cleanup(srv.Close)
	p, pu := startProxy(t, srv.Listener.Addr().String())
	pu.User = url.UserPassword("user", "pw")
	c := &httpclient.Client{Loop: startLoop(t), Proxy: httpclient.ProxyURL(pu)}
	for i := 0; i < 2; i++ {
		st, body, err := get(t, c, "http://origin.invalid:8080/path?q=1")
		if err != nil || st != 200 || body != "GET origin.invalid:8080 /path" {
			t.Fatalf("got %d %q %v", st, body, err)
		}
	}
	lines := p.lines()
	if len(lines) != 2 || lines[0] != "GET http://origin.invalid:8080/path?q=1" {
		t.Fatalf("proxy saw %q", lines)
	}
	if p.auth[0] != "Basic dXNlcjpwdw==" {
		t.Fatalf("Proxy-Authorization %q", p.auth[0])
	}
}

func TestConnectTunnel(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewTLSServer(hostEcho())
	t.Cleanup(srv.Close)
	p, pu := startProxy(t, srv.Listener.Addr().String())
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c := &httpclient.Client{Loop: startLoop(t), Proxy: httpclient.ProxyURL(pu), TLSConfig: &tls.Config{RootCAs: pool}}
	// httptest's certificate names example.com; the proxy sends the tunnel
	// to the test server, so the name is never resolved.
	for i := 0; i < 3; i++ {
		st, body, err := get(t, c, "https://example.com:4443/tunnel")
		if err != nil || st != 200 || body != "GET example.com:4443 /tunnel" {
			t.Fatalf("got %d %q %v", st, body, err)
		}
	}
	if lines := p.lines(); len(lines) != 1 || lines[0] != "CONNECT example.com:4443" {
		t.Fatalf("proxy saw %q, want one CONNECT (the tunnel is pooled)", lines)
	}
	// A refused CONNECT.
	_, _, err := get(t, c, "https://"+refuseHost+"/")
	var pe *httpclient.ProxyError
	if !errors.Is(err, httpclient.ErrProxy) || !errors.As(err, &pe) || pe.Status != 407 {
		t.Fatalf("refused CONNECT: %v", err)
	}
	// A proxy that keeps sending 1xx answers to the CONNECT: the 11th
	// fails the tunnel (see maxInterim).
	if _, _, err := get(t, c, "https://"+floodHost+"/"); !errors.Is(err, httpclient.ErrProxy) || !strings.Contains(err.Error(), "1xx") {
		t.Fatalf("CONNECT answered with 11 interim responses: %v, want ErrProxy", err)
	}
}

func TestProxyFromEnvironment(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewServer(hostEcho())
	t.Cleanup(srv.Close)
	tsrv := httptest.NewTLSServer(hostEcho())
	t.Cleanup(tsrv.Close)
	p, pu := startProxy(t, srv.Listener.Addr().String())
	tp, tpu := startProxy(t, tsrv.Listener.Addr().String())
	t.Setenv("HTTP_PROXY", pu.Host) // no scheme: http
	t.Setenv("HTTPS_PROXY", tpu.String())
	t.Setenv("NO_PROXY", "direct.invalid")
	pool := x509.NewCertPool()
	pool.AddCert(tsrv.Certificate())
	c := &httpclient.Client{Loop: startLoop(t), Proxy: httpclient.ProxyFromEnvironment(), TLSConfig: &tls.Config{RootCAs: pool}}
	if st, body, err := get(t, c, "http://env.invalid/a"); err != nil || st != 200 || body != "GET env.invalid /a" {
		t.Fatalf("http: %d %q %v", st, body, err)
	}
	if st, body, err := get(t, c, "https://example.com/b"); err != nil || st != 200 || body != "GET example.com /b" {
		t.Fatalf("https: %d %q %v", st, body, err)
	}
	// Loopback goes direct.
	if st, _, err := get(t, c, srv.URL+"/direct"); err != nil || st != 200 {
		t.Fatalf("direct: %d %v", st, err)
	}
	if l := p.lines(); len(l) != 1 || l[0] != "GET http://env.invalid/a" {
		t.Fatalf("http proxy saw %q", l)
	}
	if l := tp.lines(); len(l) != 1 || l[0] != "CONNECT example.com:443" {
		t.Fatalf("https proxy saw %q", l)
	}
}

// TestProxyFromEnvironmentCGI: in a CGI program (REQUEST_METHOD set) a
// client request's "Proxy" field reaches the program as HTTP_PROXY
// ("httpoxy"), so, as with net/http, plain-http requests refuse it with
// ErrProxy instead of sending themselves to whoever the field names;
// HTTPS_PROXY, which no request field can set, is still used.
func TestProxyFromEnvironmentCGI(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewServer(hostEcho())
	t.Cleanup(srv.Close)
	tsrv := httptest.NewTLSServer(hostEcho())
	t.Cleanup(tsrv.Close)
	p, pu := startProxy(t, srv.Listener.Addr().String())
	tp, tpu := startProxy(t, tsrv.Listener.Addr().String())
	t.Setenv("REQUEST_METHOD", "GET")
	t.Setenv("HTTP_PROXY", pu.String())
	t.Setenv("HTTPS_PROXY", tpu.String())
	t.Setenv("NO_PROXY", "")
	pool := x509.NewCertPool()
	pool.AddCert(tsrv.Certificate())
	c := &httpclient.Client{Loop: startLoop(t), Proxy: httpclient.ProxyFromEnvironment(), TLSConfig: &tls.Config{RootCAs: pool}}
	if _, _, err := get(t, c, "http://env.invalid/a"); !errors.Is(err, httpclient.ErrProxy) {
		t.Fatalf("http in CGI: %v, want ErrProxy", err)
	}
	if l := p.lines(); len(l) != 0 {
		t.Fatalf("http proxy saw %q in a CGI environment", l)
	}
	if st, body, err := get(t, c, "https://example.com/b"); err != nil || st != 200 || body != "GET example.com /b" {
		t.Fatalf("https: %d %q %v", st, body, err)
	}
	if l := tp.lines(); len(l) != 1 || l[0] != "CONNECT example.com:443" {
		t.Fatalf("https proxy saw %q", l)
	}
}
