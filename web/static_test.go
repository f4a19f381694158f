package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// siteDir builds a directory to serve, with a secret beside it.
func siteDir(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	dir := filepath.Join(top, "site")
	files := map[string]string{
		"hello.txt":          "hello, world\n",
		"digits.txt":         "0123456789",
		"empty.txt":          "",
		"style.css":          "body{}",
		".secret":            "dot",
		"sub/index.html":     "<h1>sub</h1>",
		"list/b.txt":         "b",
		"list/a <&>.txt":     "a",
		"list/.hidden":       "h",
		"list/inner/x":       "x",
		"app.js":             "plain js",
		"app.js.br":          "brotli bytes",
		"app.js.gz":          "gzip bytes",
		"../outside.txt":     "secret outside",
		"weird%2fname.txt":   "w",
		"sub/dir/deep.txt":   "deep",
		"big/file.bin":       "",
		"noindex/readme.txt": "r",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(top, "outside.txt"), filepath.Join(dir, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("hello.txt", filepath.Join(dir, "inside.txt")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func newStatic(t *testing.T, dir string, opt web.StaticOptions) *web.Static {
	t.Helper()
	s, err := web.NewStatic(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStaticBasics(t *testing.T) {
	leakcheck.Check(t)
	dir := siteDir(t)
	st := newStatic(t, dir, web.StaticOptions{Listing: true})
	rt := web.New()
	if err := rt.Get("/files/*path", st.Serve); err != nil {
		t.Fatal(err)
	}
	base, cl := serve(t, rt)
	cases := []struct {
		path   string
		status int
		body   string
		ctype  string
	}{
		{"/files/hello.txt", 200, "hello, world\n", "text/plain; charset=utf-8"},
		{"/files/style.css", 200, "body{}", "text/css; charset=utf-8"},
		{"/files/inside.txt", 200, "hello, world\n", "text/plain; charset=utf-8"},
		{"/files/empty.txt", 200, "", "text/plain; charset=utf-8"},
		{"/files/sub/", 200, "<h1>sub</h1>", "text/html; charset=utf-8"},
		{"/files/sub/dir/deep.txt", 200, "deep", "text/plain; charset=utf-8"},
		{"/files/sub/./dir/deep.txt", 200, "deep", "text/plain; charset=utf-8"},
		{"/files/hello%2etxt", 200, "hello, world\n", "text/plain; charset=utf-8"},
		{"/files/.secret", 404, "", ""},
		{"/files/list/.hidden", 404, "", ""},
		{"/files/escape.txt", 404, "", ""},
		{"/files/missing", 404, "", ""},
		{"/files/hello.txt/", 404, "", ""},
		{"/files/sub%2fdir/deep.txt", 404, "", ""},
		{"/files/sub%2Fdir%2Fdeep.txt", 404, "", ""},
		{"/files/..%2foutside.txt", 404, "", ""},
		{"/files/%2e%2e/outside.txt", 404, "", ""},
		{"/files/weird%252fname.txt", 200, "w", "text/plain; charset=utf-8"},
		{"/files/a%00b", 404, "", ""},
	}
	for _, c := range cases {
		r := do(t, cl, "GET", base+c.path, "")
		if r.status != c.status || (c.status == 200 && (r.body != c.body || r.header.Get("Content-Type") != c.ctype)) {
			t.Errorf("%s: %d %q %q, want %d %q %q", c.path, r.status, r.body, r.header.Get("Content-Type"), c.status, c.body, c.ctype)
		}
		if strings.Contains(r.body, "secret") {
			t.Errorf("%s leaked %q", c.path, r.body)
		}
	}
	// Raw targets that a client would normalise.
	for _, p := range []string{"/files/../outside.txt", "/files/sub/../../outside.txt", "/files//.secret"} {
		resp, body := raw(t, base, "GET "+p+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if resp.StatusCode == 200 || strings.Contains(body, "secret") {
			t.Errorf("raw %s: %d %q", p, resp.StatusCode, body)
		}
	}
	// A directory without its slash redirects.
	r := do(t, cl, "GET", base+"/files/sub", "")
	if r.status != 301 || r.header.Get("Location") != "/files/sub/" {
		t.Errorf("redirect: %d %q", r.status, r.header.Get("Location"))
	}
	r = do(t, cl, "GET", base+"/files", "")
	if r.status != 301 || r.header.Get("Location") != "/files/" {
		t.Errorf("root redirect: %d %q", r.status, r.header.Get("Location"))
	}
	// Listing, escaped, without dotfiles.
	r = do(t, cl, "GET", base+"/files/list/", "")
	if r.status != 200 || !strings.Contains(r.body, `<a href="./a%20%3C&amp;%3E.txt">a &lt;&amp;&gt;.txt</a>`) ||
		!strings.Contains(r.body, `href="./inner/"`) || strings.Contains(r.body, "hidden") {
		t.Errorf("listing: %d %s", r.status, r.body)
	}
	// Other methods.
	r = do(t, cl, "HEAD", base+"/files/hello.txt", "")
	if r.status != 200 || r.body != "" || r.header.Get("Content-Length") != "13" {
		t.Errorf("HEAD: %d %q %v", r.status, r.body, r.header)
	}
	// Without a listing, a directory without index is absent.
	st2 := newStatic(t, dir, web.StaticOptions{})
	base2, cl2 := serve(t, st2)
	if r := do(t, cl2, "GET", base2+"/noindex/", ""); r.status != 404 {
		t.Errorf("no listing: %d", r.status)
	}
	if r := do(t, cl2, "GET", base2+"/", ""); r.status != 404 {
		t.Errorf("root without index: %d", r.status)
	}
	if r := do(t, cl2, "POST", base2+"/hello.txt", "x"); r.status != 405 || r.header.Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("POST: %d %q", r.status, r.header.Get("Allow"))
	}
	if r := do(t, cl2, "GET", base2+"/digits.txt", ""); r.body != "0123456789" {
		t.Errorf("ServeHTTP: %q", r.body)
	}
}

func TestStaticConditional(t *testing.T) {
	leakcheck.Check(t)
	st := newStatic(t, siteDir(t), web.StaticOptions{})
	base, cl := serve(t, st)
	u := base + "/digits.txt"
	r := do(t, cl, "GET", u, "")
	etag, lm := r.header.Get("ETag"), r.header.Get("Last-Modified")
	if r.status != 200 || !strings.HasPrefix(etag, `"`) || lm == "" || r.header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("GET: %d %v", r.status, r.header)
	}
	cases := []struct {
		hdr    []string
		status int
		body   string
	}{
		{[]string{"If-None-Match: " + etag}, 304, ""},
		{[]string{"If-None-Match: W/" + etag}, 304, ""},
		{[]string{`If-None-Match: "x", ` + etag}, 304, ""},
		{[]string{"If-None-Match: *"}, 304, ""},
		{[]string{`If-None-Match: "other"`}, 200, "0123456789"},
		{[]string{"If-Modified-Since: " + lm}, 304, ""},
		{[]string{"If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT"}, 200, "0123456789"},
		{[]string{`If-None-Match: "other"`, "If-Modified-Since: " + lm}, 200, "0123456789"},
		{[]string{"If-Match: " + etag}, 200, "0123456789"},
		{[]string{"If-Match: W/" + etag}, 412, "412 precondition failed\n"},
		{[]string{`If-Match: "nope"`}, 412, "412 precondition failed\n"},
		{[]string{"If-Unmodified-Since: Mon, 01 Jan 2001 00:00:00 GMT"}, 412, "412 precondition failed\n"},
		{[]string{"If-Unmodified-Since: " + lm}, 200, "0123456789"},
	}
	for _, c := range cases {
		r := do(t, cl, "GET", u, "", c.hdr...)
		if r.status != c.status || r.body != c.body {
			t.Errorf("%q: %d %q, want %d %q", c.hdr, r.status, r.body, c.status, c.body)
		}
		if r.status == 304 && (r.header.Get("ETag") != etag || r.header.Get("Content-Type") != "") {
			t.Errorf("%q: 304 header %v", c.hdr, r.header)
		}
	}
}

func TestStaticRange(t *testing.T) {
	leakcheck.Check(t)
	st := newStatic(t, siteDir(t), web.StaticOptions{})
	base, cl := serve(t, st)
	u := base + "/digits.txt"
	etag := do(t, cl, "GET", u, "").header.Get("ETag")
	lm := do(t, cl, "GET", u, "").header.Get("Last-Modified")
	cases := []struct {
		hdr      []string
		status   int
		body, cr string
	}{
		{[]string{"Range: bytes=2-4"}, 206, "234", "bytes 2-4/10"},
		{[]string{"Range: bytes=7-"}, 206, "789", "bytes 7-9/10"},
		{[]string{"Range: bytes=-2"}, 206, "89", "bytes 8-9/10"},
		{[]string{"Range: bytes=5-100"}, 206, "56789", "bytes 5-9/10"},
		{[]string{"Range: bytes=10-"}, 416, "416 range not satisfiable\n", "bytes */10"},
		{[]string{"Range: bytes=x"}, 200, "0123456789", ""},
		{[]string{"Range: lines=1-2"}, 200, "0123456789", ""},
		{[]string{"Range: bytes=0-9,0-9"}, 200, "0123456789", ""}, // overlapping beyond the size
		{[]string{"Range: bytes=1-2", "If-Range: " + etag}, 206, "12", "bytes 1-2/10"},
		{[]string{"Range: bytes=1-2", `If-Range: "stale"`}, 200, "0123456789", ""},
		{[]string{"Range: bytes=1-2", "If-Range: W/" + etag}, 200, "0123456789", ""},
		{[]string{"Range: bytes=1-2", "If-Range: " + lm}, 206, "12", "bytes 1-2/10"},
		{[]string{"Range: bytes=1-2", "If-Range: Mon, 01 Jan 2001 00:00:00 GMT"}, 200, "0123456789", ""},
	}
	for _, c := range cases {
		r := do(t, cl, "GET", u, "", c.hdr...)
		if r.status != c.status || r.body != c.body || r.header.Get("Content-Range") != c.cr {
			t.Errorf("%q: %d %q %q, want %d %q %q", c.hdr, r.status, r.body, r.header.Get("Content-Range"), c.status, c.body, c.cr)
		}
	}
	// Several ranges: multipart/byteranges.
	r := do(t, cl, "GET", u, "", "Range: bytes=0-1, 8-, 20-30")
	mt, params, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if r.status != 206 || err != nil || mt != "multipart/byteranges" {
		t.Fatalf("multi: %d %v", r.status, r.header)
	}
	if r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
		t.Errorf("multi: Content-Length %s for %d bytes", r.header.Get("Content-Length"), len(r.body))
	}
	mr := multipart.NewReader(strings.NewReader(r.body), params["boundary"])
	want := []struct{ body, cr string }{{"01", "bytes 0-1/10"}, {"89", "bytes 8-9/10"}}
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			if i != len(want) {
				t.Errorf("multi: %d parts", i)
			}
			break
		}
		if err != nil || i >= len(want) {
			t.Fatalf("multi part %d: %v", i, err)
		}
		b, _ := io.ReadAll(p)
		if string(b) != want[i].body || p.Header.Get("Content-Range") != want[i].cr || p.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("part %d: %q %v", i, b, p.Header)
		}
	}
}

func TestStaticPrecompressed(t *testing.T) {
	leakcheck.Check(t)
	st := newStatic(t, siteDir(t), web.StaticOptions{Precompressed: true})
	base, cl := serve(t, st)
	cases := []struct {
		accept, body, enc string
	}{
		{"gzip, br", "brotli bytes", "br"},
		{"gzip", "gzip bytes", "gzip"},
		{"br;q=0, gzip;q=0.5", "gzip bytes", "gzip"},
		{"", "plain js", ""},
		{"identity", "plain js", ""},
	}
	etags := map[string]bool{}
	for _, c := range cases {
		var hdr []string
		if c.accept != "" {
			hdr = append(hdr, "Accept-Encoding: "+c.accept)
		}
		r := do(t, cl, "GET", base+"/app.js", "", hdr...)
		if r.body != c.body || r.header.Get("Content-Encoding") != c.enc || r.header.Get("Vary") != "Accept-Encoding" ||
			!strings.Contains(r.header.Get("Content-Type"), "javascript") {
			t.Errorf("%q: %q %v", c.accept, r.body, r.header)
		}
		etags[c.enc+r.header.Get("ETag")] = true
	}
	if len(etags) != 3 {
		t.Errorf("etags not distinct per encoding: %v", etags)
	}
	// A file without siblings is sent as is.
	r := do(t, cl, "GET", base+"/hello.txt", "", "Accept-Encoding: gzip")
	if r.body != "hello, world\n" || r.header.Get("Content-Encoding") != "" {
		t.Errorf("no sibling: %q %v", r.body, r.header)
	}
	_ = gzip.NoCompression
}

func TestStaticLargeFile(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	data := make([]byte, 3<<20+12345)
	for i := range data {
		data[i] = byte(i * 7 >> 3)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	st := newStatic(t, dir, web.StaticOptions{ChunkSize: 32 << 10})
	base, cl := serve(t, st)
	r := do(t, cl, "GET", base+"/big.bin", "")
	if r.status != 200 || !bytes.Equal([]byte(r.body), data) || r.header.Get("Content-Length") != strconv.Itoa(len(data)) {
		t.Fatalf("big: %d, %d bytes", r.status, len(r.body))
	}
	r = do(t, cl, "GET", base+"/big.bin", "", "Range: bytes=1000000-2999999")
	if r.status != 206 || r.body != string(data[1000000:3000000]) {
		t.Errorf("big range: %d, %d bytes", r.status, len(r.body))
	}
	// A client that goes away mid-body: the server must close the file
	// (leakcheck counts descriptors) and carry on.
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
	buf := make([]byte, 4096)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if r := do(t, cl, "GET", base+"/big.bin", "", "Range: bytes=0-3"); r.body != string(data[:4]) {
		t.Errorf("after abort: %q", r.body)
	}
}

// The conditional fields take an HTTP-date in any of the three formats
// a recipient must accept (RFC 9110 §5.6.7): IMF-fixdate, and the
// obsolete RFC 850 and asctime forms.
func TestStaticConditionalObsoleteDates(t *testing.T) {
	leakcheck.Check(t)
	st := newStatic(t, siteDir(t), web.StaticOptions{})
	base, cl := serve(t, st)
	u := base + "/digits.txt"
	lm, err := http.ParseTime(do(t, cl, "GET", u, "").header.Get("Last-Modified"))
	if err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, layout := range []string{time.RFC850, time.ANSIC} {
		date := func(t time.Time) string { return t.UTC().Format(strings.Replace(layout, "MST", "GMT", 1)) }
		cases := []struct {
			hdr    []string
			status int
			body   string
		}{
			{[]string{"If-Modified-Since: " + date(lm)}, 304, ""},
			{[]string{"If-Unmodified-Since: " + date(old)}, 412, "412 precondition failed\n"},
			{[]string{"Range: bytes=1-2", "If-Range: " + date(lm)}, 206, "12"},
		}
		for _, c := range cases {
			if r := do(t, cl, "GET", u, "", c.hdr...); r.status != c.status || r.body != c.body {
				t.Errorf("%q: %d %q, want %d %q", c.hdr, r.status, r.body, c.status, c.body)
			}
		}
	}
}

// The precompressed sibling is the one the client weighs highest
// (RFC 9110 §12.5.3), br on a tie.
func TestStaticPrecompressedPreference(t *testing.T) {
	leakcheck.Check(t)
	st := newStatic(t, siteDir(t), web.StaticOptions{Precompressed: true})
	base, cl := serve(t, st)
	cases := []struct{ accept, body, enc string }{
		{"br;q=0.1, gzip", "gzip bytes", "gzip"},
		{"gzip;q=0.9, br;q=0.8", "gzip bytes", "gzip"},
		{"gzip;q=0.5, br;q=0.5", "brotli bytes", "br"},
		{"gzip;q=0.5, *", "brotli bytes", "br"},
		{"br;q=0.2, *;q=0.7", "gzip bytes", "gzip"},
		{"gzip;q=0, br;q=0", "plain js", ""},
	}
	for _, c := range cases {
		r := do(t, cl, "GET", base+"/app.js", "", "Accept-Encoding: "+c.accept)
		if r.body != c.body || r.header.Get("Content-Encoding") != c.enc {
			t.Errorf("%q: %q %q, want %q %q", c.accept, r.body, r.header.Get("Content-Encoding"), c.body, c.enc)
		}
	}
}

// The redirect that adds a directory's slash keeps the query string.
func TestStaticRedirectKeepsQuery(t *testing.T) {
	leakcheck.Check(t)
	st := newStatic(t, siteDir(t), web.StaticOptions{})
	rt := web.New()
	if err := rt.Get("/files/*path", st.Serve); err != nil {
		t.Fatal(err)
	}
	base, cl := serve(t, rt)
	for path, want := range map[string]string{
		"/files/sub?v=1&w=%20": "/files/sub/?v=1&w=%20",
		"/files?v=2":           "/files/?v=2",
		"/files/sub":           "/files/sub/",
	} {
		if r := do(t, cl, "GET", base+path, ""); r.status != 301 || r.header.Get("Location") != want {
			t.Errorf("%s: %d %q, want 301 %q", path, r.status, r.header.Get("Location"), want)
		}
	}
}

// Several ranges of a precompressed sibling: a multipart/byteranges
// body must not claim the sibling's Content-Encoding (which would tell
// the client to decode the multipart body itself), so the ranges are
// ignored and the sibling sent whole; a single range is sent as a
// range of the encoded bytes.
func TestStaticPrecompressedMultiRange(t *testing.T) {
	leakcheck.Check(t)
	st := newStatic(t, siteDir(t), web.StaticOptions{Precompressed: true})
	base, cl := serve(t, st)
	r := do(t, cl, "GET", base+"/app.js", "", "Accept-Encoding: br", "Range: bytes=0-1,4-5")
	if r.status != 200 || r.body != "brotli bytes" || r.header.Get("Content-Encoding") != "br" {
		t.Errorf("multi: %d %q %v", r.status, r.body, r.header)
	}
	r = do(t, cl, "GET", base+"/app.js", "", "Accept-Encoding: br", "Range: bytes=0-1")
	if r.status != 206 || r.body != "br" || r.header.Get("Content-Encoding") != "br" || r.header.Get("Content-Range") != "bytes 0-1/12" {
		t.Errorf("single: %d %q %v", r.status, r.body, r.header)
	}
	// The plain file keeps its multipart/byteranges.
	r = do(t, cl, "GET", base+"/app.js", "", "Range: bytes=0-1,4-5")
	if r.status != 206 || !strings.HasPrefix(r.header.Get("Content-Type"), "multipart/byteranges") {
		t.Errorf("plain multi: %d %v", r.status, r.header)
	}
}

// A list field sent as several lines is one list (RFC 9110 §5.3): an
// entity tag on the second If-None-Match or If-Match line counts.
func TestStaticConditionalFieldLines(t *testing.T) {
	leakcheck.Check(t)
	st := newStatic(t, siteDir(t), web.StaticOptions{})
	base, cl := serve(t, st)
	u := base + "/digits.txt"
	etag := do(t, cl, "GET", u, "").header.Get("ETag")
	if r := do(t, cl, "GET", u, "", `If-None-Match: "other"`, "If-None-Match: "+etag); r.status != 304 {
		t.Errorf("If-None-Match lines: %d %q", r.status, r.body)
	}
	if r := do(t, cl, "GET", u, "", `If-Match: "other"`, "If-Match: "+etag); r.status != 200 || r.body != "0123456789" {
		t.Errorf("If-Match lines: %d %q", r.status, r.body)
	}
}

// A range of an empty file: "bytes=5-" selects nothing and gets the 416
// the documentation promises, with "Content-Range: bytes */0"; a suffix
// range is satisfiable (RFC 9110 §14.1.1) but has nothing to select, so
// the empty file is sent whole.
func TestStaticRangeEmptyFile(t *testing.T) {
	leakcheck.Check(t)
	st := newStatic(t, siteDir(t), web.StaticOptions{})
	base, cl := serve(t, st)
	cases := []struct {
		rng    string
		status int
		cr     string
	}{
		{"bytes=5-", 416, "bytes */0"},
		{"bytes=0-0", 416, "bytes */0"},
		{"bytes=0-0, 3-", 416, "bytes */0"},
		{"bytes=-5", 200, ""},
		{"bytes=-0", 416, "bytes */0"},
		{"bytes=x", 200, ""},
	}
	for _, c := range cases {
		r := do(t, cl, "GET", base+"/empty.txt", "", "Range: "+c.rng)
		if r.status != c.status || r.header.Get("Content-Range") != c.cr {
			t.Errorf("%s: %d %q, want %d %q", c.rng, r.status, r.header.Get("Content-Range"), c.status, c.cr)
		}
		if c.status == 200 && (r.body != "" || r.header.Get("Content-Length") != "0") {
			t.Errorf("%s: body %q, Content-Length %q", c.rng, r.body, r.header.Get("Content-Length"))
		}
	}
}

// A Range field that does not parse by RFC 9110 §14.1.1 (range-unit "="
// range-set, with no whitespace around the "=" nor before the first
// range-spec) is ignored: 200 with the whole file (§14.2). Only a
// well-formed set none of whose ranges overlaps the file gets 416.
// "bytes = 0-1" and "bytes= 0-1" were taken as the range 0-1 (206).
func TestStaticRangeMalformed(t *testing.T) {
	leakcheck.Check(t)
	st := newStatic(t, siteDir(t), web.StaticOptions{})
	base, cl := serve(t, st)
	u := base + "/digits.txt"
	for _, v := range []string{"bytes = 0-1", "bytes =0-1", "bytes= 0-1", "bytes=", "bytes=-", "items=0-1", "bytes=1-0", "bytes=0 -1", "bytes=0-1 x"} {
		r := do(t, cl, "GET", u, "", "Range: "+v)
		if r.status != 200 || r.body != "0123456789" || r.header.Get("Content-Range") != "" {
			t.Errorf("Range %q: %d %q Content-Range %q, want 200 and the whole file", v, r.status, r.body, r.header.Get("Content-Range"))
		}
	}
	for _, c := range []struct{ v, body string }{{"Bytes=0-1", "01"}, {"bytes=, 0-1", "01"}, {"bytes=0-1 ,", "01"}} {
		r := do(t, cl, "GET", u, "", "Range: "+c.v)
		if r.status != 206 || r.body != c.body {
			t.Errorf("Range %q: %d %q, want 206 %q", c.v, r.status, r.body, c.body)
		}
	}
	for _, v := range []string{"bytes=10-", "bytes=-0", "bytes=20-30, 10-"} {
		r := do(t, cl, "GET", u, "", "Range: "+v)
		if r.status != 416 || r.header.Get("Content-Range") != "bytes */10" {
			t.Errorf("Range %q: %d Content-Range %q, want 416", v, r.status, r.header.Get("Content-Range"))
		}
	}
}
