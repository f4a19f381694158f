package web_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip header: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip body: %v", err)
	}
	return out
}

// textSite holds a large and a small text file and a PNG.
func textSite(t *testing.T) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	var b bytes.Buffer
	for i := 0; b.Len() < 300<<10; i++ {
		fmt.Fprintf(&b, "line %d: the quick brown fox jumps over the lazy dog %d\n", i, i*i%977)
	}
	files := map[string][]byte{
		"big.txt":   b.Bytes(),
		"small.txt": []byte("tiny\n"),
		"pic.png":   bytes.Repeat([]byte("png!"), 1000),
	}
	for n, d := range files {
		if err := os.WriteFile(filepath.Join(dir, n), d, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, b.Bytes()
}

func TestStaticGzipOnTheFly(t *testing.T) {
	leakcheck.Check(t)
	dir, big := textSite(t)
	st := newStatic(t, dir, web.StaticOptions{Gzip: &web.GzipOptions{}, ChunkSize: 32 << 10})
	base, cl := serve(t, st)

	r := do(t, cl, "GET", base+"/big.txt", "", "Accept-Encoding: gzip, deflate;q=0.5")
	if r.status != 200 || r.header.Get("Content-Encoding") != "gzip" || r.header.Get("Vary") != "Accept-Encoding" ||
		r.header.Get("Content-Length") != "" || r.header.Get("Accept-Ranges") != "" {
		t.Fatalf("gzip: %d %v", r.status, r.header)
	}
	etag := r.header.Get("ETag")
	if !strings.HasSuffix(etag, `-gzip"`) {
		t.Fatalf("gzip ETag %q", etag)
	}
	if got := gunzip(t, []byte(r.body)); !bytes.Equal(got, big) {
		t.Fatalf("decoded %d bytes, want %d", len(got), len(big))
	}
	if len(r.body) >= len(big)/2 {
		t.Errorf("compressed to %d of %d bytes", len(r.body), len(big))
	}
	// Revalidation with the gzip tag.
	if r := do(t, cl, "GET", base+"/big.txt", "", "Accept-Encoding: gzip", "If-None-Match: "+etag); r.status != 304 || r.header.Get("ETag") != etag {
		t.Fatalf("If-None-Match gzip tag: %d %q", r.status, r.header.Get("ETag"))
	}
	// The identity tag does not match the gzip representation.
	plain := do(t, cl, "GET", base+"/big.txt", "", "Accept-Encoding: gzip;q=0, identity")
	if plain.status != 200 || plain.header.Get("Content-Encoding") != "" || plain.body != string(big) ||
		plain.header.Get("Vary") != "Accept-Encoding" || plain.header.Get("Content-Length") != strconv.Itoa(len(big)) {
		t.Fatalf("gzip;q=0: %d %v", plain.status, plain.header)
	}
	if plain.header.Get("ETag") == etag {
		t.Fatal("same ETag for both encodings")
	}
	if r := do(t, cl, "GET", base+"/big.txt", "", "Accept-Encoding: gzip", "If-None-Match: "+plain.header.Get("ETag")); r.status != 200 {
		t.Fatalf("identity tag matched the gzip body: %d", r.status)
	}
	// "*" accepts gzip; a Range request is never compressed.
	if r := do(t, cl, "GET", base+"/big.txt", "", "Accept-Encoding: *"); r.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("*: %v", r.header)
	}
	r = do(t, cl, "GET", base+"/big.txt", "", "Accept-Encoding: gzip", "Range: bytes=5-14")
	if r.status != 206 || r.body != string(big[5:15]) || r.header.Get("Content-Encoding") != "" {
		t.Fatalf("range: %d %q %v", r.status, r.body, r.header)
	}
	// Small files are sent as they are, unless identity is refused.
	if r := do(t, cl, "GET", base+"/small.txt", "", "Accept-Encoding: gzip"); r.body != "tiny\n" || r.header.Get("Content-Encoding") != "" {
		t.Fatalf("small: %q %v", r.body, r.header)
	}
	r = do(t, cl, "GET", base+"/small.txt", "", "Accept-Encoding: gzip, identity;q=0")
	if r.header.Get("Content-Encoding") != "gzip" || string(gunzip(t, []byte(r.body))) != "tiny\n" {
		t.Fatalf("identity;q=0: %v", r.header)
	}
	// Not a compressible type.
	if r := do(t, cl, "GET", base+"/pic.png", "", "Accept-Encoding: gzip"); r.header.Get("Content-Encoding") != "" || len(r.body) != 4000 {
		t.Fatalf("png: %v", r.header)
	}
	// HEAD: the GET's head, no body; then the connection goes on.
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	io.WriteString(c, "HEAD /big.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"+
		"GET /big.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"+
		"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := readResp(t, br, "HEAD")
	if len(body) != 0 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("HEAD: %d bytes %v", len(body), resp.Header)
	}
	resp, body = readResp(t, br, "GET")
	if !bytes.Equal(gunzip(t, body), big) || len(resp.TransferEncoding) != 1 {
		t.Fatalf("GET after HEAD: %v", resp.TransferEncoding)
	}
	if _, body = readResp(t, br, "GET"); string(body) != "tiny\n" {
		t.Fatalf("third: %q", body)
	}
}

func TestGzipMiddleware(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Use(web.Gzip(web.GzipOptions{Level: gzip.BestSpeed, MinSize: 100}))
	doc := strings.Repeat(`{"name":"eddy","kind":"loop"},`, 300)
	rt.Get("/json", func(c *web.Ctx) {
		c.W.Header().Set("ETag", `"v1"`)
		c.W.Header().Set("Content-Type", "application/json")
		c.W.WriteString(doc)
	})
	rt.Get("/small", func(c *web.Ctx) { c.Text(200, "short") })
	rt.Get("/bin", func(c *web.Ctx) {
		c.W.Header().Set("Content-Type", "application/octet-stream")
		c.W.WriteString(doc)
	})
	line := strings.Repeat("stream me ", 10) + "\n"
	rt.Get("/stream", func(c *web.Ctx) {
		c.W.Header().Set("Content-Type", "text/plain")
		c.W.Async()
		i := 0
		var pump func()
		pump = func() {
			for ; i < 5000; i++ {
				if _, err := c.W.WriteString(line); err == eddy.ErrQueueFull {
					c.W.OnWritable(pump)
					return
				} else if err != nil {
					break
				}
				if i%1000 == 0 {
					c.W.Flush()
				}
			}
			c.W.End()
		}
		pump()
	})
	base, cl := serve(t, rt)

	r := do(t, cl, "GET", base+"/json", "", "Accept-Encoding: gzip")
	if r.header.Get("Content-Encoding") != "gzip" || r.header.Get("ETag") != `"v1-gzip"` || r.header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("json: %v", r.header)
	}
	if cl := r.header.Get("Content-Length"); cl != strconv.Itoa(len(r.body)) {
		t.Fatalf("json: Content-Length %q for %d bytes", cl, len(r.body))
	}
	if got := gunzip(t, []byte(r.body)); string(got) != doc {
		t.Fatalf("json decoded to %d bytes", len(got))
	}
	r = do(t, cl, "GET", base+"/json", "")
	if r.header.Get("Content-Encoding") != "" || r.body != doc || r.header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("no Accept-Encoding: %v", r.header)
	}
	if r := do(t, cl, "GET", base+"/small", "", "Accept-Encoding: gzip"); r.body != "short" || r.header.Get("Content-Encoding") != "" {
		t.Fatalf("small: %q %v", r.body, r.header)
	}
	if r := do(t, cl, "GET", base+"/bin", "", "Accept-Encoding: gzip"); r.body != doc || r.header.Get("Content-Encoding") != "" || r.header.Get("Vary") != "" {
		t.Fatalf("binary: %v", r.header)
	}
	r = do(t, cl, "GET", base+"/stream", "", "Accept-Encoding: gzip")
	if r.header.Get("Content-Encoding") != "gzip" || string(gunzip(t, []byte(r.body))) != strings.Repeat(line, 5000) {
		t.Fatalf("stream: %v", r.header)
	}
	// A client that decodes by itself: net/http's transport.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !resp.Uncompressed || string(b) != strings.Repeat(line, 5000) {
		t.Fatalf("net/http client: %v uncompressed=%v %d bytes", err, resp.Uncompressed, len(b))
	}
}

// The Gzip middleware in front of Static: compressible files are
// compressed (the body then takes the read path), others still go out
// with sendfile, and ranges are left alone.
func TestGzipMiddlewareOverStatic(t *testing.T) {
	leakcheck.Check(t)
	dir, big := textSite(t)
	st := newStatic(t, dir, web.StaticOptions{})
	rt := web.New()
	rt.Use(web.Gzip(web.GzipOptions{}))
	rt.Get("/*path", st.Serve)
	base, cl := serve(t, rt)
	r := do(t, cl, "GET", base+"/big.txt", "", "Accept-Encoding: gzip")
	if r.header.Get("Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, []byte(r.body)), big) ||
		!strings.HasSuffix(r.header.Get("ETag"), `-gzip"`) {
		t.Fatalf("text: %v", r.header)
	}
	if r := do(t, cl, "GET", base+"/pic.png", "", "Accept-Encoding: gzip"); r.header.Get("Content-Encoding") != "" || len(r.body) != 4000 ||
		r.header.Get("Content-Length") != "4000" {
		t.Fatalf("png: %v", r.header)
	}
	if r := do(t, cl, "GET", base+"/big.txt", "", "Accept-Encoding: gzip", "Range: bytes=0-9"); r.status != 206 || r.body != string(big[:10]) {
		t.Fatalf("range: %d %q", r.status, r.body)
	}
}
