package web_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// bigSite writes a 4 MiB file and a small one.
func bigSite(t *testing.T) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	data := make([]byte, 4<<20)
	for i := range data {
		data[i] = byte(i*31>>4 + i>>13)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "small.txt"), []byte("small file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, data
}

// readResp reads one response from br, its body whole.
func readResp(t *testing.T, br *bufio.Reader, method string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp, b
}

// A 4 MiB file to a client that reads slowly: the body arrives whole,
// another client is served meanwhile, and the connection then serves a
// range, a HEAD and a small file, kept alive throughout.
func TestStaticSendfileSlowReader(t *testing.T) {
	leakcheck.Check(t)
	dir, data := bigSite(t)
	st := newStatic(t, dir, web.StaticOptions{})
	base, cl := serve(t, st)
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(16 << 10) // so that the server meets backpressure
	}
	br := bufio.NewReaderSize(c, 4<<10)
	io.WriteString(c, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(data)) {
		t.Fatalf("status %d length %d", resp.StatusCode, resp.ContentLength)
	}
	// Read a little, then let another client through while this one
	// stalls with most of the file unread.
	got := make([]byte, 0, len(data))
	piece := make([]byte, 8<<10)
	n, _ := io.ReadFull(resp.Body, piece)
	got = append(got, piece[:n]...)
	if r := do(t, cl, "GET", base+"/small.txt", ""); r.status != 200 || r.body != "small file\n" {
		t.Fatalf("other client during the slow read: %d %q", r.status, r.body)
	}
	for i := 0; ; i++ {
		n, err := resp.Body.Read(piece)
		got = append(got, piece[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i%64 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("body differs: %d bytes", len(got))
	}
	// Same connection: a range, a HEAD, a small file.
	io.WriteString(c, "GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=1048576-2097151\r\n\r\n")
	resp, body := readResp(t, br, "GET")
	if resp.StatusCode != 206 || !bytes.Equal(body, data[1<<20:2<<20]) ||
		resp.Header.Get("Content-Range") != "bytes 1048576-2097151/"+strconv.Itoa(len(data)) {
		t.Fatalf("range: %d %d bytes %q", resp.StatusCode, len(body), resp.Header.Get("Content-Range"))
	}
	io.WriteString(c, "HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body = readResp(t, br, "HEAD")
	if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != int64(len(data)) {
		t.Fatalf("HEAD: %d %d bytes, length %d", resp.StatusCode, len(body), resp.ContentLength)
	}
	io.WriteString(c, "GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body = readResp(t, br, "GET")
	if resp.StatusCode != 200 || string(body) != "small file\n" || resp.Close {
		t.Fatalf("keep-alive after sendfile: %d %q close=%v", resp.StatusCode, body, resp.Close)
	}
}

// Pipelined requests whose file responses wait behind a slower one go
// out in order, each whole.
func TestStaticSendfilePipelined(t *testing.T) {
	leakcheck.Check(t)
	dir, data := bigSite(t)
	st := newStatic(t, dir, web.StaticOptions{})
	rt := web.New()
	rt.Get("/slow", func(c *web.Ctx) {
		httpserver.Wait(c.W, c.R.Loop().Sleep(30*time.Millisecond), func(struct{}, error) {
			c.Text(200, "slow\n")
		})
	})
	rt.Get("/files/*path", st.Serve)
	base, _ := serve(t, rt)
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /files/big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=10-20009\r\n\r\n"+
		"GET /files/small.txt HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /files/big.bin HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /files/small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	want := [][]byte{[]byte("slow\n"), data[10:20010], []byte("small file\n"), data, []byte("small file\n")}
	for i, w := range want {
		t.Logf("reading %d", i)
		_, body := readResp(t, br, "GET")
		if !bytes.Equal(body, w) {
			t.Fatalf("response %d: %d bytes, want %d", i, len(body), len(w))
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after Connection: close: %v", err)
	}
}
