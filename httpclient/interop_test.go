package httpclient_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/tlsx"
)

// TestEddyServer is a smoke test against eddy's own server, with and
// without TLS: a GET, a chunked streamed POST after 100-continue, and a
// HEAD on a kept-alive connection.
func TestEddyServer(t *testing.T) {
	leakcheck.Check(t)
	// Borrow httptest's certificate for the TLS variant.
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	for _, useTLS := range []bool{false, true} {
		t.Run(fmt.Sprint("tls=", useTLS), func(t *testing.T) {
			g, err := eddy.NewGroup(eddy.WithLoops(1))
			if err != nil {
				t.Fatal(err)
			}
			srv := &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
				r.ReadBody(1<<20, func(body []byte, err error) {
					w.Header().Set("X-Method", r.Method)
					if r.Method != "HEAD" {
						fmt.Fprintf(w, "%s %s %s", r.Method, r.Path, body)
					}
				})
			})}
			var opts []eddy.ListenOption
			scheme := "http"
			if useTLS {
				scheme = "https"
				opts = append(opts, eddy.WithLayer(tlsx.ServerLayer(&tls.Config{Certificates: ts.TLS.Certificates})))
			}
			addr, err := srv.Serve(g, "tcp", "127.0.0.1:0", opts...)
			if err != nil {
				t.Fatal(err)
			}
			g.Start()
			t.Cleanup(func() { srv.Shutdown(t.Context()) })
			base := scheme + "://" + addr.String()
			c := &httpclient.Client{Loop: startLoop(t), TLSConfig: &tls.Config{RootCAs: pool}}
			if st, body, err := get(t, c, base+"/hello"); err != nil || st != 200 || body != "GET /hello " {
				t.Fatalf("GET: %d %q %v", st, body, err)
			}
			req, _ := http.NewRequest("POST", base+"/up", io.MultiReader(strings.NewReader("a"), strings.NewReader("b")))
			req.Header.Set("Expect", "100-continue")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "POST /up ab" {
				t.Fatalf("POST: %d %q", resp.StatusCode, b)
			}
			u, _ := url.Parse(base + "/h")
			r, err := send(c, &httpclient.Request{Method: "HEAD", URL: u})
			if err != nil || r.Header.Get("X-Method") != "HEAD" || len(r.Body) != 0 {
				t.Fatalf("HEAD: %v %+v", err, r)
			}
		})
	}
}

// TestNginx runs the client against Debian's nginx, with and without
// TLS: static files, HEAD, 404, a redirect, gzip, a large body streamed
// through Do, concurrent requests, and a wrong CA.
func TestNginx(t *testing.T) {
	leakcheck.Check(t)
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	for _, useTLS := range []bool{false, true} {
		t.Run(fmt.Sprint("tls=", useTLS), func(t *testing.T) {
			srv := testenv.Nginx(t, testenv.NginxConfig{
				TLS:    useTLS,
				Gzip:   true,
				Files:  map[string]string{"index.html": "hello nginx", "big.bin": big},
				Server: "        location = /old { return 301 /index.html; }",
			})
			l := startLoop(t)
			c := &httpclient.Client{Loop: l, TLSConfig: &tls.Config{RootCAs: srv.CertPool}}
			// Plain, then gzip: nginx compresses when asked.
			if st, body, err := get(t, c, srv.URL+"/index.html"); err != nil || st != 200 || body != "hello nginx" {
				t.Fatalf("GET: %d %q %v", st, body, err)
			}
			u, _ := url.Parse(srv.URL + "/index.html")
			r, err := send(c, &httpclient.Request{URL: u})
			if err != nil || string(r.Body) != "hello nginx" || !r.Uncompressed {
				t.Fatalf("gzip: %v %q uncompressed %v", err, r.Body, r.Uncompressed)
			}
			r, err = send(c, &httpclient.Request{Method: "HEAD", URL: u})
			if err != nil || r.Status != 200 || len(r.Body) != 0 {
				t.Fatalf("HEAD: %v %+v", err, r)
			}
			if st, _, err := get(t, c, srv.URL+"/missing"); err != nil || st != 404 {
				t.Fatalf("404: %d %v", st, err)
			}
			req, _ := http.NewRequest("GET", srv.URL+"/old", nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "hello nginx" || resp.Request.URL.Path != "/index.html" {
				t.Fatalf("redirect: %q %v", b, resp.Request.URL)
			}
			// A large body, read slowly through Do's pipe.
			req, _ = http.NewRequest("GET", srv.URL+"/big.bin", nil)
			req.Header.Set("Accept-Encoding", "identity")
			resp, err = c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if _, err := io.CopyBuffer(&got, resp.Body, make([]byte, 1000)); err != nil || got.String() != big {
				t.Fatalf("big: %d bytes, %v", got.Len(), err)
			}
			resp.Body.Close()
			// Concurrent requests over a bounded pool.
			c2 := &httpclient.Client{Loop: l, TLSConfig: c.TLSConfig, MaxConnsPerHost: 16}
			var wg sync.WaitGroup
			errs := make(chan error, 200)
			for range 200 {
				wg.Go(func() {
					st, body, err := get(t, c2, srv.URL+"/index.html")
					if err == nil && (st != 200 || body != "hello nginx") {
						err = fmt.Errorf("got %d %q", st, body)
					}
					if err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			c.CloseIdleConnections()
			c2.CloseIdleConnections()
			if useTLS {
				// Another CA than the server's: a typed verification error.
				ts := httptest.NewTLSServer(http.NotFoundHandler())
				ts.Close()
				wrong := x509.NewCertPool()
				wrong.AddCert(ts.Certificate())
				bad := &httpclient.Client{Loop: l, TLSConfig: &tls.Config{RootCAs: wrong}}
				_, _, err := get(t, bad, srv.URL+"/index.html")
				var uae x509.UnknownAuthorityError
				if !errors.Is(err, tlsx.ErrHandshake) || !errors.As(err, &uae) {
					t.Fatalf("wrong CA: %v", err)
				}
			}
		})
	}
}
