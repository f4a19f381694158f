package tlsx_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/tlsx"
)

// selfSigned makes a certificate for localhost and 127.0.0.1 and a pool
// that trusts it, as a test or example would.
func selfSigned() (tls.Certificate, *x509.CertPool) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// funcs adapts functions to an eddy.Handler.
type funcs struct {
	eddy.BaseHandler
	open  func(c *eddy.Conn)
	data  func(c *eddy.Conn, d []byte) int
	close func(c *eddy.Conn, err error)
}

func (h funcs) OnOpen(c *eddy.Conn) {
	if h.open != nil {
		h.open(c)
	}
}

func (h funcs) OnData(c *eddy.Conn, d []byte) int {
	if h.data != nil {
		return h.data(c, d)
	}
	return len(d)
}

func (h funcs) OnClose(c *eddy.Conn, err error) {
	if h.close != nil {
		h.close(c, err)
	}
}

// A TLS echo server and a client on one loop. The handlers see plaintext;
// ConnectionState tells what the handshake agreed.
func Example() {
	cert, roots := selfSigned()
	l, _ := eddy.New()

	server := funcs{data: func(c *eddy.Conn, d []byte) int {
		c.Write(d) // encrypted by the layer
		return len(d)
	}}
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"echo/1"},
	}, server)
	if err != nil {
		fmt.Println(err)
		return
	}

	client := funcs{
		open: func(c *eddy.Conn) {
			st, _ := tlsx.ConnectionState(c)
			fmt.Println("open:", tls.VersionName(st.Version), st.NegotiatedProtocol)
			c.Write([]byte("hello over TLS"))
		},
		data: func(c *eddy.Conn, d []byte) int {
			fmt.Printf("echo: %s\n", d)
			c.Close() // sends close_notify
			return len(d)
		},
		close: func(c *eddy.Conn, err error) {
			fmt.Println("closed:", err)
			ln.Close()
		},
	}
	// The server name, 127.0.0.1, comes from the address, and the
	// server's certificate is verified for it.
	tlsx.Dial(l, "tcp", ln.Addr().String(), &tls.Config{RootCAs: roots, NextProtos: []string{"echo/1"}}, client)
	l.Run()
	// Output:
	// open: TLS 1.3 echo/1
	// echo: hello over TLS
	// closed: <nil>
}

// A client that does not trust the server's certificate: the handshake
// fails, and OnClose reports it once, with crypto/tls's error inside.
func ExampleHandshakeError() {
	cert, _ := selfSigned()
	l, _ := eddy.New()
	ln, _ := tlsx.Listen(l, "tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}}, funcs{})
	tlsx.Dial(l, "tcp", ln.Addr().String(), &tls.Config{RootCAs: x509.NewCertPool()}, funcs{
		open: func(c *eddy.Conn) { fmt.Println("opened?") },
		close: func(c *eddy.Conn, err error) {
			var verr *tls.CertificateVerificationError
			fmt.Println("handshake failed:", errors.Is(err, tlsx.ErrHandshake))
			fmt.Println("verification error:", errors.As(err, &verr))
			ln.Close()
		},
	})
	l.Run()
	// Output:
	// handshake failed: true
	// verification error: true
}

// ServerLayer is the way to add TLS to any listener, with options: here a
// shorter handshake timeout. A peer that connects and says nothing is cut
// off with ErrHandshakeTimeout, which is also an eddy.ErrTimeout.
func ExampleServerLayer() {
	cert, _ := selfSigned()
	l, _ := eddy.New()
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	var ln *eddy.Listener
	ln, _ = l.Listen("tcp", "127.0.0.1:0", funcs{close: func(c *eddy.Conn, err error) {
		fmt.Println(errors.Is(err, tlsx.ErrHandshakeTimeout), errors.Is(err, eddy.ErrTimeout))
		ln.Close()
	}}, eddy.WithLayer(tlsx.ServerLayer(cfg, tlsx.WithHandshakeTimeout(20*time.Millisecond))))
	l.Dial("tcp", ln.Addr().String(), funcs{}) // plain TCP, silent
	l.Run()
	// Output:
	// true true
}
