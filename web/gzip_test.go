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

// A client revalidating what the Gzip middleware compressed sends back
// the "-gzip" entity tag: the handler behind, which knows only its own
// tag, must still see a match, and the 304 must carry the tag and Vary
// of the 200 it validates (RFC 9110 §15.4.5).
func TestGzipMiddlewareRevalidate(t *testing.T) {
	leakcheck.Check(t)
	base, cl := gzipStaticSite(t)
	first := do(t, cl, "GET", base+"/big.txt", "", "Accept-Encoding: gzip")
	gzTag := first.header.Get("ETag")
	if first.status != 200 || first.header.Get("Content-Encoding") != "gzip" || !strings.HasSuffix(gzTag, `-gzip"`) {
		t.Fatalf("first: %d %v", first.status, first.header)
	}
	for _, method := range []string{"GET", "HEAD"} {
		r := do(t, cl, method, base+"/big.txt", "", "Accept-Encoding: gzip", "If-None-Match: "+gzTag)
		if r.status != 304 || r.body != "" || r.header.Get("ETag") != gzTag || r.header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%s revalidate: %d %v", method, r.status, r.header)
		}
	}
	// The identity tag still validates the identity response.
	idTag := strings.TrimSuffix(gzTag, `-gzip"`) + `"`
	if r := do(t, cl, "GET", base+"/big.txt", "", "If-None-Match: "+idTag); r.status != 304 || r.header.Get("ETag") != idTag {
		t.Errorf("identity revalidate: %d %v", r.status, r.header)
	}
	// The gzip tag does not validate the identity response.
	if r := do(t, cl, "GET", base+"/big.txt", "", "If-None-Match: "+gzTag); r.status != 200 || r.header.Get("Content-Encoding") != "" {
		t.Errorf("gzip tag, identity client: %d %v", r.status, r.header)
	}
}

// A HEAD through the Gzip middleware gets the head a GET would get
// (RFC 9110 §9.3.2): compressed, with the "-gzip" tag, even when the
// handler writes no body for HEAD, as Static does.
func TestGzipMiddlewareHead(t *testing.T) {
	leakcheck.Check(t)
	base, cl := gzipStaticSite(t)
	for _, name := range []string{"/big.txt", "/small.txt", "/pic.png"} {
		get := do(t, cl, "GET", base+name, "", "Accept-Encoding: gzip")
		head := do(t, cl, "HEAD", base+name, "", "Accept-Encoding: gzip")
		for _, k := range []string{"Content-Encoding", "ETag", "Vary", "Accept-Ranges", "Content-Length", "Content-Type"} {
			if g, h := get.header.Get(k), head.header.Get(k); g != h {
				t.Errorf("%s %s: GET %q, HEAD %q", name, k, g, h)
			}
		}
		if head.status != 200 || head.body != "" {
			t.Errorf("%s HEAD: %d %q", name, head.status, head.body)
		}
	}
}

// Accept-Encoding sent as several field lines is one list (RFC 9110
// §5.3): a coding on the second line is accepted, by the precompressed
// lookup, by Static's gzip on the fly and by the Gzip middleware.
func TestAcceptEncodingFieldLines(t *testing.T) {
	leakcheck.Check(t)
	pre := newStatic(t, siteDir(t), web.StaticOptions{Precompressed: true})
	dir, big := textSite(t)
	fly := newStatic(t, dir, web.StaticOptions{Gzip: &web.GzipOptions{}})
	rt := web.New()
	rt.Get("/pre/*path", pre.Serve)
	rt.Get("/fly/*path", fly.Serve)
	mw := rt.Group("/mw", web.Gzip(web.GzipOptions{}))
	mw.Get("/*path", newStatic(t, dir, web.StaticOptions{}).Serve)
	base, cl := serve(t, rt)
	lines := []string{"Accept-Encoding: identity;q=0.5", "Accept-Encoding: gzip"}
	if r := do(t, cl, "GET", base+"/pre/app.js", "", lines...); r.body != "gzip bytes" || r.header.Get("Content-Encoding") != "gzip" {
		t.Errorf("precompressed: %q %v", r.body, r.header)
	}
	for _, p := range []string{"/fly/big.txt", "/mw/big.txt"} {
		r := do(t, cl, "GET", base+p, "", lines...)
		if r.header.Get("Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, []byte(r.body)), big) {
			t.Errorf("%s: %v", p, r.header)
		}
	}
}

// gzipStaticSite serves textSite's files through Static behind the Gzip
// middleware.
func gzipStaticSite(t *testing.T) (string, *http.Client) {
	dir, _ := textSite(t)
	st := newStatic(t, dir, web.StaticOptions{})
	rt := web.New()
	rt.Use(web.Gzip(web.GzipOptions{}))
	rt.Get("/*path", st.Serve)
	return serve(t, rt)
}

// Every 304 behind the Gzip middleware carries the Vary its 200 would
// have carried (RFC 9110 §15.4.5), whether or not a "-gzip" tag
// validated it: a client revalidating the identity response, by tag or
// by date, with or without gzip accepted, for a file too small to
// compress; and only for a type the middleware would compress, so that
// a PNG's 304 gains no Vary. Static sends its 304s without a
// Content-Type; a handler that sets one on its 304 is judged by it.
func TestGzipMiddleware304Vary(t *testing.T) {
	leakcheck.Check(t)
	dir, _ := textSite(t)
	st := newStatic(t, dir, web.StaticOptions{})
	rt := web.New()
	rt.Use(web.Gzip(web.GzipOptions{}))
	rt.Get("/files/*path", st.Serve)
	for _, ct := range []string{"text/plain", "image/png"} {
		rt.Get("/dyn/"+strings.ReplaceAll(ct, "/", "-"), func(c *web.Ctx) {
			h := c.W.Header()
			h.Set("Content-Type", ct)
			h.Set("ETag", `"d1"`)
			if c.R.Header.Get("If-None-Match") == `"d1"` {
				c.W.WriteHeader(304)
				return
			}
			c.W.WriteString(strings.Repeat("x", 2000))
		})
	}
	base, cl := serve(t, rt)
	// A nested Ctx (Static as an httpserver.Handler behind the router)
	// is judged as the route's.
	nrt := web.New()
	nrt.Use(web.Gzip(web.GzipOptions{}))
	nrt.Get("/*path", web.Adapt(st))
	nbase, ncl := serve(t, nrt)

	type site struct {
		base string
		cl   *http.Client
	}
	for _, s := range []site{{base + "/files", cl}, {nbase, ncl}} {
		for _, name := range []string{"/big.txt", "/small.txt", "/pic.png"} {
			for _, ae := range [][]string{nil, {"Accept-Encoding: gzip"}, {"Accept-Encoding: gzip;q=0"}} {
				first := do(t, s.cl, "GET", s.base+name, "", ae...)
				if first.status != 200 {
					t.Fatalf("%s %v: %d", name, ae, first.status)
				}
				want := first.header.Get("Vary")
				if (want != "") != strings.HasSuffix(name, ".txt") {
					t.Fatalf("%s %v: 200 with Vary %q", name, ae, want)
				}
				conds := []string{"If-None-Match: " + first.header.Get("ETag"), "If-Modified-Since: " + first.header.Get("Last-Modified")}
				for _, cond := range conds {
					r := do(t, s.cl, "GET", s.base+name, "", append([]string{cond}, ae...)...)
					if r.status != 304 || r.header.Get("Vary") != want {
						t.Errorf("%s %v %s: %d Vary %q, the 200 had %q", name, ae, cond, r.status, r.header.Get("Vary"), want)
					}
				}
			}
		}
	}
	// A status the middleware never compresses varies for no client.
	for _, ae := range [][]string{nil, {"Accept-Encoding: gzip"}} {
		if r := do(t, cl, "GET", base+"/nowhere", "", ae...); r.status != 404 || r.header.Get("Vary") != "" {
			t.Errorf("404 %v: %d Vary %q", ae, r.status, r.header.Get("Vary"))
		}
	}
	for _, tc := range []struct{ path, vary string }{{"/dyn/text-plain", "Accept-Encoding"}, {"/dyn/image-png", ""}} {
		for _, ae := range [][]string{nil, {"Accept-Encoding: gzip"}} {
			first := do(t, cl, "GET", base+tc.path, "", ae...)
			r := do(t, cl, "GET", base+tc.path, "", append([]string{`If-None-Match: "d1"`}, ae...)...)
			if first.header.Get("Vary") != tc.vary || r.status != 304 || r.header.Get("Vary") != tc.vary {
				t.Errorf("%s %v: 200 Vary %q, %d Vary %q, want %q", tc.path, ae, first.header.Get("Vary"), r.status, r.header.Get("Vary"), tc.vary)
			}
		}
	}
}

// The "-gzip" tag a client got from the Gzip middleware guards a change
// as well as a revalidation: in an If-Match it is shown to the handler
// with the tag it was made from, so that a PUT with the tag of the GET
// before it, or a GET that asks for that very representation, is not
// refused with 412. A tag that was never given out still fails.
func TestGzipMiddlewareIfMatch(t *testing.T) {
	leakcheck.Check(t)
	dir, big := textSite(t)
	st := newStatic(t, dir, web.StaticOptions{})
	rt := web.New()
	rt.Use(web.Gzip(web.GzipOptions{}))
	rt.Get("/files/*path", st.Serve)
	doc := strings.Repeat("state ", 500)
	rt.Get("/doc", func(c *web.Ctx) {
		c.W.Header().Set("ETag", `"v7"`)
		c.Text(200, doc)
	})
	rt.Put("/doc", func(c *web.Ctx) {
		for item := range strings.SplitSeq(c.R.Header.Get("If-Match"), ",") {
			if strings.TrimSpace(item) == `"v7"` {
				c.Text(200, "updated")
				return
			}
		}
		c.Text(412, "stale")
	})
	base, cl := serve(t, rt)

	first := do(t, cl, "GET", base+"/files/big.txt", "", "Accept-Encoding: gzip")
	gzTag := first.header.Get("ETag")
	if first.header.Get("Content-Encoding") != "gzip" || !strings.HasSuffix(gzTag, `-gzip"`) {
		t.Fatalf("first: %v", first.header)
	}
	r := do(t, cl, "GET", base+"/files/big.txt", "", "Accept-Encoding: gzip", "If-Match: "+gzTag)
	if r.status != 200 || r.header.Get("ETag") != gzTag || !bytes.Equal(gunzip(t, []byte(r.body)), big) {
		t.Errorf("GET If-Match gzip tag: %d %v", r.status, r.header)
	}
	if r := do(t, cl, "GET", base+"/files/big.txt", "", "Accept-Encoding: gzip", `If-Match: "other-gzip"`); r.status != 412 {
		t.Errorf("GET If-Match unknown tag: %d", r.status)
	}

	get := do(t, cl, "GET", base+"/doc", "", "Accept-Encoding: gzip")
	if get.header.Get("ETag") != `"v7-gzip"` {
		t.Fatalf("doc: %v", get.header)
	}
	for _, ae := range [][]string{nil, {"Accept-Encoding: gzip"}} {
		r := do(t, cl, "PUT", base+"/doc", "new", append([]string{"If-Match: " + get.header.Get("ETag")}, ae...)...)
		if r.status != 200 || r.body != "updated" {
			t.Errorf("PUT If-Match %v: %d %q", ae, r.status, r.body)
		}
	}
	if r := do(t, cl, "PUT", base+"/doc", "new", `If-Match: "v6-gzip"`); r.status != 412 {
		t.Errorf("PUT stale If-Match: %d %q", r.status, r.body)
	}
}
