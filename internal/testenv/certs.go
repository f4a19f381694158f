package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Certs is a throwaway PKI for TLS tests: a CA and a server certificate it
// signed, in memory and as PEM files.
type Certs struct {
	// CAPool holds the CA, for a client's tls.Config.RootCAs.
	CAPool *x509.CertPool
	// Server is the server's certificate and key, for a tls.Config.
	Server tls.Certificate
	// CAFile, CertFile and KeyFile are PEM files of the CA certificate,
	// the server certificate and its key, in a t.TempDir.
	CAFile, CertFile, KeyFile string
}

// NewCerts makes a CA and a server certificate valid for hosts (IP
// addresses or DNS names; 127.0.0.1 and localhost when none), using
// ECDSA P-256 keys. It calls t.Fatalf on failure.
func NewCerts(t testing.TB, hosts ...string) *Certs {
	t.Helper()
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1", "localhost"}
	}
	fail := func(err error) {
		if err != nil {
			t.Fatalf("testenv: making certificates: %v", err)
		}
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	fail(err)
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "eddy test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	fail(err)
	caCert, err := x509.ParseCertificate(caDER)
	fail(err)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	fail(err)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else {
			leaf.DNSNames = append(leaf.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	fail(err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	fail(err)

	c := &Certs{CAPool: x509.NewCertPool()}
	c.CAPool.AddCert(caCert)
	c.Server = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	// Not t.TempDir: its cleanup fails the test under Wine 8, which lacks
	// the FileDispositionInformationEx that os.RemoveAll uses there. A
	// directory left behind there is harmless.
	dir, err := os.MkdirTemp("", "eddy-certs-*")
	fail(err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		fail(os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600))
		return p
	}
	c.CAFile = write("ca.pem", "CERTIFICATE", caDER)
	c.CertFile = write("server.pem", "CERTIFICATE", der)
	c.KeyFile = write("server-key.pem", "EC PRIVATE KEY", keyDER)
	return c
}
