package web_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
	"github.com/eddy-go/eddy/web"
)

// selfSigned makes a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "eddy test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// Static over a TLS listener: sendfile cannot see the plaintext, so
// bodies take the worker-pool path, whole, ranged and compressed.
func TestStaticOverTLS(t *testing.T) {
	leakcheck.Check(t)
	dir, data := bigSite(t)
	st := newStatic(t, dir, web.StaticOptions{Gzip: &web.GzipOptions{}})
	cert, pool := selfSigned(t)
	g, err := eddy.NewGroup(eddy.WithLoops(1))
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: st}
	addr, err := srv.Serve(g, "tcp", "127.0.0.1:0", eddy.WithLayer(tlsx.ServerLayer(&tls.Config{Certificates: []tls.Certificate{cert}})))
	if err != nil {
		g.Stop()
		g.Run()
		t.Fatal(err)
	}
	g.Start()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableCompression: true}
	defer func() {
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	cl := &http.Client{Transport: tr}
	base := "https://" + addr.String()
	r := do(t, cl, "GET", base+"/big.bin", "")
	if r.status != 200 || !bytes.Equal([]byte(r.body), data) {
		t.Fatalf("TLS whole file: %d, %d bytes", r.status, len(r.body))
	}
	r = do(t, cl, "GET", base+"/big.bin", "", "Range: bytes=100-199")
	if r.status != 206 || r.body != string(data[100:200]) {
		t.Fatalf("TLS range: %d %d bytes", r.status, len(r.body))
	}
	r = do(t, cl, "GET", base+"/small.txt", "", "Accept-Encoding: gzip, identity;q=0")
	if r.header.Get("Content-Encoding") != "gzip" || string(gunzip(t, []byte(r.body))) != "small file\n" {
		t.Fatalf("TLS gzip: %v", r.header)
	}
	resp, err := cl.Get(base + "/small.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "small file\n" || resp.TLS == nil {
		t.Fatalf("TLS small: %q", b)
	}
}
