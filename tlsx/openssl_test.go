package tlsx_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// needOpenSSL returns the openssl binary, or skips the test when there is
// none, unless EDDY_REQUIRE_SERVERS=1 asks for a failure instead.
func needOpenSSL(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("EDDY_REQUIRE_SERVERS") == "1" {
			t.Fatal("openssl not found (apt-get install openssl); EDDY_REQUIRE_SERVERS=1")
		}
		t.Skip("openssl not found; install the openssl package")
	}
	return path
}

// writePEM writes the fixture's CA certificate and the server's certificate
// and key as PEM files in a temporary directory.
func writePEM(t *testing.T, f *fixture) (ca, cert, key string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ca = write("ca.pem", "CERTIFICATE", f.pki.CACert().Raw)
	c := f.server.Certificates[0]
	cert = write("cert.pem", "CERTIFICATE", c.Certificate[0])
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	key = write("key.pem", "PRIVATE KEY", der)
	return ca, cert, key
}

// process runs a command whose output lines arrive on a channel.
type process struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	done  chan struct{}
}

func start(t *testing.T, name string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(name, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, stdin: stdin, lines: make(chan string, 256), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			default: // nobody listens any more
			}
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
		<-p.done
	})
	return p
}

// expect waits for a line containing s, and returns the lines before it.
func (p *process) expect(t *testing.T, s string) []string {
	t.Helper()
	var seen []string
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line := <-p.lines:
			if strings.Contains(line, s) {
				return seen
			}
			seen = append(seen, line)
		case <-timeout:
			t.Fatalf("no %q from %s; saw:\n%s", s, p.cmd.Path, strings.Join(seen, "\n"))
		}
	}
}

// runLoop runs l on a goroutine and returns a function that waits for it.
func runLoop(t *testing.T, l *eddy.Loop) (wait func()) {
	ran := make(chan error, 1)
	go func() { ran <- l.Run() }()
	return func() {
		select {
		case err := <-ran:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(10 * time.Second):
			l.Stop()
			<-ran
			t.Error("loop still running")
		}
	}
}

// TestOpenSSLClient: openssl s_client against an eddy TLS echo server, in
// TLS 1.3 and 1.2. In TLS 1.3 the client also sends a KeyUpdate that asks
// for one back: a post-handshake message the server reads, and answers, on
// the loop.
func TestOpenSSLClient(t *testing.T) {
	leakcheck.Check(t)
	bin := needOpenSSL(t)
	f := newFixture(t)
	f.server.NextProtos = []string{"echo/1"}
	ca, _, _ := writePEM(t, f)
	for _, v := range []string{"-tls1_3", "-tls1_2"} {
		l := newLoop(t)
		srv := echo()
		ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, srv)
		if err != nil {
			t.Fatal(err)
		}
		srv.close = func(*eddy.Conn, error) { ln.Close() }
		wait := runLoop(t, l)
		p := start(t, bin, "s_client", "-connect", ln.Addr().String(), "-CAfile", ca,
			"-servername", "localhost", "-verify_return_error", "-alpn", "echo/1", v)
		p.expect(t, "Verify return code: 0 (ok)")
		fmt.Fprintf(p.stdin, "hello from openssl\n")
		p.expect(t, "hello from openssl")
		if v == "-tls1_3" {
			fmt.Fprintf(p.stdin, "K\n") // KeyUpdate, update_requested
			p.expect(t, "KEYUPDATE")
		}
		fmt.Fprintf(p.stdin, "after the key update\n")
		p.expect(t, "after the key update")
		fmt.Fprintf(p.stdin, "Q\n") // close_notify, then exit
		wait()
		wantOnce(t, "server", srv, 1)
		if srv.err != nil {
			t.Errorf("%s: server %v", v, srv.err)
		}
		if srv.state.NegotiatedProtocol != "echo/1" {
			t.Errorf("%s: ALPN %q", v, srv.state.NegotiatedProtocol)
		}
	}
}

// TestOpenSSLServer: an eddy TLS client against openssl s_server -rev,
// which answers each line reversed.
func TestOpenSSLServer(t *testing.T) {
	leakcheck.Check(t)
	bin := needOpenSSL(t)
	f := newFixture(t)
	_, cert, key := writePEM(t, f)
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		nl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := nl.Addr().String()
		nl.Close()
		_, port, _ := net.SplitHostPort(addr)
		p := start(t, bin, "s_server", "-accept", "127.0.0.1:"+port, "-cert", cert, "-key", key,
			"-rev", "-naccept", "1")
		p.expect(t, "ACCEPT")
		l := newLoop(t)
		var got string
		cli := &handler{
			open: func(c *eddy.Conn) { c.Write([]byte("hello, s_server\n")) },
			data: func(c *eddy.Conn, d []byte) int {
				i := strings.IndexByte(string(d), '\n')
				if i < 0 {
					return 0
				}
				got = string(d[:i])
				c.Close()
				return len(d)
			},
		}
		cfg := f.client.Clone()
		cfg.MaxVersion = v
		if _, err := tlsx.Dial(l, "tcp", addr, cfg, cli); err != nil {
			t.Fatal(err)
		}
		run(t, l, 10*time.Second)
		if got != "revres_s ,olleh" || cli.err != nil || cli.state.Version != v {
			t.Errorf("version %x: got %q, client %v", v, got, cli.err)
		}
		p.expect(t, "CONNECTION CLOSED")
	}
}
