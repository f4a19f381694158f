package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// syncBuffer is a bytes.Buffer safe for the loops and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs serve with o until the test ends.
func startServe(t *testing.T, o options) (addr string, out, logs *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	out, logs = new(syncBuffer), new(syncBuffer)
	done := make(chan error, 1)
	o.listen, o.grace = "127.0.0.1:0", time.Second
	go func() { done <- serve(ctx, o, out, logs, ready, nil) }()
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return addr, out, logs
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestServeDemoAndShutsDown(t *testing.T) {
	leakcheck.Check(t)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	addr, out, logs := startServe(t, options{loops: 2, accessLog: "stderr"})
	client := &http.Client{Transport: tr}
	resp, body := get(t, client, "http://"+addr+"/")
	if resp.StatusCode != 200 || !strings.Contains(body, "eddy is running") {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	for i := 0; i < 3; i++ { // keep-alive: several requests on one connection
		resp, body = get(t, client, "http://"+addr+"/stats")
		var st struct {
			Loops []struct{ Conns int }
		}
		if err := json.Unmarshal([]byte(body), &st); err != nil || len(st.Loops) != 2 {
			t.Fatalf("stats %q: %v", body, err)
		}
	}
	if resp, _ = get(t, client, "http://"+addr+"/nope"); resp.StatusCode != 404 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !strings.Contains(out.String(), "serving http://"+addr) {
		t.Fatalf("output %q", out.String())
	}
	// The log line follows the response: wait for it.
	for i := 0; i < 500 && !strings.Contains(logs.String(), "status=404"); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "target=/stats") || !strings.Contains(logs.String(), "status=404") {
		t.Fatalf("access log %q", logs.String())
	}
}

func TestServeRoot(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>home</p>"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "a.css"), []byte("p{}"), 0o644)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret"), 0o644)
	os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "link.txt"))
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	addr, _, _ := startServe(t, options{loops: 1, root: dir})
	c := &http.Client{Transport: tr}
	resp, body := get(t, c, "http://"+addr+"/")
	if body != "<p>home</p>" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%q %v", body, resp.Header)
	}
	resp, body = get(t, c, "http://"+addr+"/sub/a.css")
	if body != "p{}" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || resp.ContentLength != 3 {
		t.Fatalf("%q %v", body, resp.Header)
	}
	// A compressible file of 1 KiB or more is gzipped for a client that
	// asks (net/http's transport asks, and decompresses transparently).
	big := strings.Repeat("p { color: red; }\n", 200)
	os.WriteFile(filepath.Join(dir, "sub", "big.css"), []byte(big), 0o644)
	resp, body = get(t, c, "http://"+addr+"/sub/big.css")
	if body != big || !resp.Uncompressed || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("big.css: uncompressed=%v vary=%q, %d bytes", resp.Uncompressed, resp.Header.Get("Vary"), len(body))
	}
	for _, p := range []string{"/missing", "/link.txt", "/sub/..%2f..%2fetc%2fpasswd", "/%2e%2e/secret.txt"} {
		resp, body = get(t, c, "http://"+addr+p)
		if resp.StatusCode == 200 || strings.Contains(body, "secret") {
			t.Fatalf("%s: %d %q", p, resp.StatusCode, body)
		}
	}
}

func TestUsage(t *testing.T) {
	var errOut bytes.Buffer
	if err := run([]string{"bogus"}, io.Discard, &errOut, nil); err == nil || !strings.Contains(errOut.String(), "usage") {
		t.Fatalf("err %v, stderr %q", err, errOut.String())
	}
	if err := run([]string{"serve", "--tls-cert", "x"}, io.Discard, io.Discard, nil); err == nil {
		t.Fatal("--tls-cert without --tls-key accepted")
	}
}

// A connection that outlives the grace period is cut, and serve still
// returns nil: the shutdown did what it should.
func TestServeShutdownPastGrace(t *testing.T) {
	leakcheck.Check(t)
	var c net.Conn
	t.Cleanup(func() { // after serve has returned
		if c != nil {
			c.Close()
		}
	})
	addr, _, _ := startServe(t, options{loops: 1})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	// Pipelined requests whose responses are never read keep output
	// queued on the connection.
	req := strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 256)
	go func() {
		for i := 0; i < 200; i++ {
			if _, err := io.WriteString(c, req); err != nil {
				return
			}
		}
	}()
	time.Sleep(200 * time.Millisecond)
}
