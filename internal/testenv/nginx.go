package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// NginxConfig describes the nginx that [Nginx] starts.
type NginxConfig struct {
	// Files are written under the document root before the start: path
	// (relative, with slashes) to content.
	Files map[string]string
	// TLS makes the server listen with TLS, on a certificate for
	// 127.0.0.1 and localhost signed by a CA made for the test
	// ([NginxServer.CertPool] holds it).
	TLS bool
	// Gzip turns on gzip for every type, from the first byte.
	Gzip bool
	// Server is extra configuration placed inside the server block, such
	// as location blocks.
	Server string
	// Options are the generic server options ([ReadyTimeout]).
	Options []Option
}

// NginxServer is an nginx started by [Nginx].
type NginxServer struct {
	*Server
	// URL is the base URL: "http://127.0.0.1:port" or "https://…".
	URL string
	// Root is the document root.
	Root string
	// CertPool holds the CA of the server's certificate when TLS is set,
	// for the client's RootCAs.
	CertPool *x509.CertPool
	// CertFile and KeyFile are the PEM files nginx uses, when TLS is set.
	CertFile, KeyFile string
}

// Nginx starts a Debian nginx for the test, in the foreground as one
// process:
//
//	daemon off; master_process off; worker_processes 1; error_log stderr;
//
// listening on an ephemeral port of 127.0.0.1, with its configuration,
// pid file, temporary paths and document root in the server's private
// directory, no access log and keep-alive connections that a request count
// never closes. It returns once the server answers HTTP (over TLS with
// cfg.TLS) and its pid file names the process it started.
func Nginx(t testing.TB, cfg NginxConfig) *NginxServer {
	t.Helper()
	o := newOptions(cfg.Options)
	if o.password != "" || o.maxJobSize != 0 || o.tls != nil || o.replicas != 0 {
		t.Fatalf("testenv: Password, MaxJobSize, TLS and Replicas do not apply to Nginx")
	}
	ns := &NginxServer{}
	sp := spec{
		name:       "nginx",
		debPackage: "nginx",
		opts:       o,
		prepare:    func(port int, dir string) error { return ns.prepare(cfg, port, dir) },
		args: func(port int, dir string) []string {
			return append([]string{"-p", dir + "/", "-c", filepath.Join(dir, nginxConfName), "-e", "stderr"}, o.args...)
		},
		probe: func(s *Server, pid int) error { return nginxReady(s, pid, cfg.TLS) },
	}
	ns.Server = launch(t, sp)
	scheme := "http"
	if cfg.TLS {
		scheme = "https"
	}
	ns.URL = scheme + "://" + ns.Addr
	return ns
}

// nginxConfName is the configuration's name in the server's directory.
const nginxConfName = "nginx.conf"

// prepare writes the certificate, the document root and the configuration
// (nginxConfName) for port into dir.
func (ns *NginxServer) prepare(cfg NginxConfig, port int, dir string) error {
	ns.Root = filepath.Join(dir, "www")
	for _, d := range []string{"www", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	for name, body := range cfg.Files {
		p := filepath.Join(ns.Root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	listen := "127.0.0.1:" + strconv.Itoa(port)
	var tlsConf string
	if cfg.TLS {
		if ns.CertPool == nil {
			if err := ns.makeCert(dir); err != nil {
				return err
			}
		}
		listen += " ssl"
		tlsConf = fmt.Sprintf("        ssl_certificate %s;\n        ssl_certificate_key %s;\n", ns.CertFile, ns.KeyFile)
	}
	var gzip string
	if cfg.Gzip {
		gzip = "    gzip on;\n    gzip_min_length 0;\n    gzip_types *;\n    gzip_proxied any;\n"
	}
	conf := strings.NewReplacer(
		"{{dir}}", dir, "{{listen}}", listen, "{{root}}", ns.Root,
		"{{tls}}", tlsConf, "{{gzip}}", gzip, "{{server}}", cfg.Server,
	).Replace(nginxConf)
	return os.WriteFile(filepath.Join(dir, nginxConfName), []byte(conf), 0o644)
}

// nginxConf is the configuration template.
const nginxConf = `daemon off;
master_process off;
worker_processes 1;
error_log stderr;
pid {{dir}}/nginx.pid;
events {
    worker_connections 4096;
}
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {{dir}}/tmp/body;
    proxy_temp_path {{dir}}/tmp/proxy;
    fastcgi_temp_path {{dir}}/tmp/fastcgi;
    uwsgi_temp_path {{dir}}/tmp/uwsgi;
    scgi_temp_path {{dir}}/tmp/scgi;
    default_type text/plain;
{{gzip}}    server {
        listen {{listen}};
        server_name localhost;
{{tls}}        root {{root}};
{{server}}
    }
}
`

// makeCert writes a CA certificate and a server certificate for 127.0.0.1
// and localhost, signed by it, into dir.
func (ns *NginxServer) makeCert(dir string) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "eddy testenv CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	ns.CertFile = filepath.Join(dir, "cert.pem")
	ns.KeyFile = filepath.Join(dir, "key.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(ns.CertFile, certPEM, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(ns.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	ns.CertPool = x509.NewCertPool()
	ns.CertPool.AddCert(caCert)
	return nil
}

// nginxReady checks that the pid file names pid and that the server
// answers an HTTP request.
func nginxReady(s *Server, pid int, useTLS bool) error {
	b, err := os.ReadFile(filepath.Join(s.Dir, "nginx.pid"))
	if err != nil {
		return err
	}
	if got := strings.TrimSpace(string(b)); got != strconv.Itoa(pid) {
		return fmt.Errorf("pid file names %s, want %d", got, pid)
	}
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return err
	}
	if useTLS {
		c = tls.Client(c, &tls.Config{InsecureSkipVerify: true}) // a readiness probe only
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 12)
	if _, err := c.Read(buf); err != nil {
		return err
	}
	if !strings.HasPrefix(string(buf), "HTTP/1.1 ") {
		return fmt.Errorf("nginx answered %q", buf)
	}
	return nil
}
