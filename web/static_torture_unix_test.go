//go:build unix

package web_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// The static torture test serves one random directory tree with Static
// on an eddy server and with http.FileServer on a net/http server, sends
// both the same random requests, and compares the answers: status,
// Content-Range, Content-Length and the body (the parts of a
// multipart/byteranges body, not its boundary). Where Static differs
// from net/http on purpose, staticExpect says why, with the RFC 9110
// section or Static's documentation.
//
// By default it runs staticTortureSeeds for about 3 s in all.
// EDDY_TORTURE=60s runs it longer (the time is shared by the seeds), and
// EDDY_TORTURE_SEED=n replays one seed. Requests go one at a time, so a
// seed fixes the whole run.

var staticTortureSeeds = []uint64{1, 2, 3, 4, 5, 6}

// stree is a random tree on disk.
type stree struct {
	top, root string
	files     []string // slash-separated names of regular files, relative to root
	dirs      []string // and of directories ("" is the root)
	precomp   bool
	dotfiles  bool   // Static serves dotfiles
	mount     string // the route prefix Static is mounted at, or ""
}

var storturNames = []string{
	"a", "b.txt", "c d.txt", "ü.html", "100%.txt", "x%41.txt", "data.bin",
	"index.html", "page.html", "style.css", "app.js", "e+f", "semi;colon",
	"q?mark", "hash#", "日本.txt", "tab\tname", ".hidden", "..dots",
}

var storturDirNames = []string{"sub", "Dir Two", "ñ", "deep", "50%", "x.d", ".well-known"}

// makeSTree builds a random tree under a new temporary directory, with
// a secret beside the root and symbolic links out of it.
func makeSTree(t *testing.T, rng *rand.Rand, precomp bool) *stree {
	top := t.TempDir()
	st := &stree{top: top, root: filepath.Join(top, "site"), precomp: precomp, dirs: []string{""}}
	if err := os.WriteFile(filepath.Join(top, "secret.txt"), []byte("SECRET OUTSIDE"), 0o644); err != nil {
		t.Fatal(err)
	}
	var fill func(dir string, depth int)
	fill = func(dir string, depth int) {
		if err := os.MkdirAll(filepath.Join(st.root, filepath.FromSlash(dir)), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range storturNames {
			if rng.IntN(3) != 0 {
				continue
			}
			name := path.Join(dir, n)
			var size int
			switch rng.IntN(6) {
			case 0:
				size = 0
			case 1:
				size = 1 + rng.IntN(10)
			case 2, 3:
				size = rng.IntN(5000)
			case 4:
				size = 64<<10 + rng.IntN(3)
			default:
				size = 64<<10 + rng.IntN(200<<10)
			}
			b := make([]byte, size)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			st.write(t, name, b)
			st.files = append(st.files, name)
			if precomp && rng.IntN(2) == 0 {
				for _, ext := range []string{".gz", ".br"} {
					if rng.IntN(3) != 0 {
						sb := []byte(ext + " of " + name + strings.Repeat("z", rng.IntN(3000)))
						st.write(t, name+ext, sb)
						st.files = append(st.files, name+ext)
					}
				}
			}
		}
		if depth < 2 {
			for _, d := range storturDirNames {
				if rng.IntN(3) == 0 {
					sub := path.Join(dir, d)
					st.dirs = append(st.dirs, sub)
					fill(sub, depth+1)
				}
			}
		}
	}
	fill("", 0)
	// Symbolic links out of the root, one at its top and one deeper.
	for _, l := range []string{"escape.txt", path.Join(st.dirs[len(st.dirs)-1], "up.txt"), "escdir"} {
		target := filepath.Join(top, "secret.txt")
		if l == "escdir" {
			target = top
		}
		if err := os.Symlink(target, filepath.Join(st.root, filepath.FromSlash(l))); err != nil {
			t.Fatal(err)
		}
	}
	// A link inside the root is followed.
	if len(st.files) > 0 {
		f := st.files[0]
		if err := os.Symlink(filepath.FromSlash(f), filepath.Join(st.root, "inlink")); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func (st *stree) write(t *testing.T, name string, b []byte) {
	p := filepath.Join(st.root, filepath.FromSlash(name))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// Some modification times on a whole second, so that the dates of
	// If-Range and If-(Un)Modified-Since can match exactly.
	if strings.Contains(name, "a") {
		mt := time.Unix(1700000000+int64(len(b)), 0)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
}

// etagOf is Static's ETag for a file's info and encoding, which the
// reference server sets so that net/http evaluates the same validators.
func etagOf(info os.FileInfo, enc string) string {
	tag := strconv.FormatInt(info.Size(), 16) + "-" + strconv.FormatInt(info.ModTime().UnixNano(), 16)
	if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Ino != 0 {
		tag += "-" + strconv.FormatUint(uint64(st.Ino), 16)
	}
	if enc != "" {
		tag += "-" + enc
	}
	return `"` + tag + `"`
}

// staticAccepts are the Accept-Encoding values sent, with the sibling
// order a server supporting precompressed files should prefer: the
// highest q first, br on a tie; those of q 0 left out.
var staticAccepts = []struct {
	value string
	order []string // "br", "gzip"
}{
	{"", nil},
	{"gzip", []string{"gzip"}},
	{"br", []string{"br"}},
	{"gzip, br", []string{"br", "gzip"}},
	{"br;q=0.5, gzip", []string{"gzip", "br"}},
	{"identity", nil},
	{"*", []string{"br", "gzip"}},
	{"gzip;q=0", nil},
	{"*;q=0.1, gzip;q=0", []string{"br"}},
	{"GZIP;q=0.3, br;q=0.2", []string{"gzip", "br"}},
}

// reference is the net/http side: http.FileServer over an os.Root's
// file system (which, like Static, does not follow links out of it),
// given Static's ETag and, for precompressed siblings, Static's choice
// of sibling, so that both evaluate the same validators on the same
// bytes.
func (st *stree) reference(t *testing.T) (http.Handler, *os.Root) {
	root, err := os.OpenRoot(st.root)
	if err != nil {
		t.Fatal(err)
	}
	fsrv := http.FileServer(http.FS(root.FS()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name == "" {
			name = "."
		}
		info, err := root.Stat(name)
		index := false
		if err == nil && info.IsDir() && strings.HasSuffix(r.URL.Path, "/") {
			name, index = path.Join(name, "index.html"), true
			info, err = root.Stat(name)
		}
		if err == nil && info.Mode().IsRegular() && (index || !strings.HasSuffix(r.URL.Path, "/")) {
			enc := ""
			if st.precomp {
				w.Header().Set("Vary", "Accept-Encoding")
				order := acceptOrder(r.Header.Get("Accept-Encoding"))
				for _, e := range order {
					ext := map[string]string{"br": ".br", "gzip": ".gz"}[e]
					if si, err := root.Stat(name + ext); err == nil && si.Mode().IsRegular() {
						info, enc = si, e
						break
					}
				}
			}
			w.Header().Set("ETag", etagOf(info, enc))
			if enc != "" {
				f, err := root.Open(name + map[string]string{"br": ".br", "gzip": ".gz"}[enc])
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				defer f.Close()
				w.Header().Set("Content-Encoding", enc)
				ct := mime.TypeByExtension(path.Ext(name))
				if ct == "" {
					ct = "application/octet-stream"
				}
				w.Header().Set("Content-Type", ct)
				http.ServeContent(w, r, name, info.ModTime(), f)
				return
			}
		}
		fsrv.ServeHTTP(w, r)
	}), root
}

// acceptOrder returns the sibling order for an Accept-Encoding value
// from staticAccepts.
func acceptOrder(v string) []string {
	for _, a := range staticAccepts {
		if a.value == v {
			return a.order
		}
	}
	return nil
}

// sreq is one request of the torture.
type sreq struct {
	method string
	target string
	hdr    []string // "Name: value"
	name   string   // the file or directory it was made from, "" if none
}

func (q *sreq) String() string {
	return fmt.Sprintf("%s %q %q", q.method, q.target, q.hdr)
}

// sresp is one response read whole.
type sresp struct {
	status int
	header http.Header
	body   []byte
}

// do sends q on a new connection to addr and reads the response.
func (q *sreq) do(addr string) (*sresp, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(tortureWatchdog)) // a watchdog against hangs, not a timing assertion
	var b strings.Builder
	b.WriteString(q.method + " " + q.target + " HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n")
	for _, h := range q.hdr {
		b.WriteString(h + "\r\n")
	}
	if q.method == "POST" {
		b.WriteString("Content-Length: 3\r\n\r\nabc")
	} else {
		b.WriteString("\r\n")
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		return nil, err
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: q.method})
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	if resp.ContentLength >= 0 && q.method != "HEAD" && int64(len(body)) != resp.ContentLength {
		return nil, fmt.Errorf("body of %d bytes, Content-Length %d", len(body), resp.ContentLength)
	}
	return &sresp{resp.StatusCode, resp.Header, body}, nil
}

// escapeSeg percent-encodes a name's segments the way a browser would.
func escapeSeg(rng *rand.Rand, seg string) string {
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c == '%' || c == '?' || c == '#' || c <= ' ' || c >= 0x7f || c == '"':
			fmt.Fprintf(&b, "%%%02X", c)
		case rng.IntN(20) == 0:
			// Needlessly encoded: still the same name.
			fmt.Fprintf(&b, "%%%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// rawEscape escapes the bytes a request-target cannot carry, leaving
// the rest (percent signs included) as it is.
func rawEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '#' || c == '?' || c == '"' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func escapeName(rng *rand.Rand, name string) string {
	if name == "" {
		return ""
	}
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = escapeSeg(rng, s)
	}
	return strings.Join(segs, "/")
}

// randRange returns a random Range value for a file of size bytes.
func randRange(rng *rand.Rand, size int64) string {
	n := func() int64 {
		switch rng.IntN(6) {
		case 0:
			return 0
		case 1:
			return size
		case 2:
			return max(size-1, 0)
		case 3:
			return rng.Int64N(size + 10)
		case 4:
			return rng.Int64N(max(size/2, 1))
		default:
			return 1 + rng.Int64N(10)
		}
	}
	spec := func() string {
		switch rng.IntN(9) {
		case 0:
			return fmt.Sprintf("%d-", n())
		case 1:
			return fmt.Sprintf("-%d", n())
		case 2:
			return "0-0"
		case 3:
			a := n()
			return fmt.Sprintf("%d-%d", a, a+rng.Int64N(100))
		case 4:
			return fmt.Sprintf("%d-%d", n(), n())
		case 5:
			return fmt.Sprintf("%d-%d", size+rng.Int64N(5), size+10)
		case 6:
			return "99999999999999999-"
		case 7:
			return "-99999999999999999"
		default:
			a := n()
			return fmt.Sprintf("%d-%d", a, a)
		}
	}
	switch rng.IntN(14) {
	case 0:
		return "bytes=" + spec() + "," + spec()
	case 1:
		return "bytes=" + spec() + ", " + spec() + ",  " + spec()
	case 2:
		return []string{"bytes=", "bytes", "bytes=a-b", "items=0-1", "bytes=--1", "bytes=1-2-3",
			"bytes=0-1,,2-3", "Bytes=0-1", "bytes = 0-1", "bytes=0-18446744073709551616",
			"bytes=-", "bytes=,", "bytes=0-0,-1", "bytes=0-1, 1-2", "bytes=-0"}[rng.IntN(15)]
	case 3:
		var b strings.Builder
		b.WriteString("bytes=")
		for i := range 2 + rng.IntN(70) {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(spec())
		}
		return b.String()
	default:
		return "bytes=" + spec()
	}
}

// randRequest makes a random request for the tree.
func (st *stree) randRequest(rng *rand.Rand) *sreq {
	q := &sreq{method: "GET"}
	switch x := rng.IntN(20); {
	case x < 4:
		q.method = "HEAD"
	case x < 5:
		q.method = "POST"
	}
	var name string
	var dir bool
	switch x := rng.IntN(20); {
	case x < 11 && len(st.files) > 0:
		name = st.files[rng.IntN(len(st.files))]
	case x < 15:
		name, dir = st.dirs[rng.IntN(len(st.dirs))], true
	default:
		name = st.oddName(rng)
	}
	q.name = name
	target := "/" + escapeName(rng, name)
	if dir && name != "" && rng.IntN(4) != 0 {
		target += "/"
	}
	if !strings.HasPrefix(name, "/") && rng.IntN(30) == 0 {
		target += "?x=1"
	}
	q.target = st.mount + target
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, "\x00") {
		q.target = st.mount + rawEscape(name[1:])
		q.name = ""
	}
	info, err := os.Stat(filepath.Join(st.root, filepath.FromSlash(name)))
	if err == nil && info.IsDir() {
		if ii, err := os.Stat(filepath.Join(st.root, filepath.FromSlash(name), "index.html")); err == nil {
			info = ii
		}
	}
	var size int64 = 1000
	var etag, lm string
	if err == nil {
		size = info.Size()
		etag = etagOf(info, "")
		lm = info.ModTime().UTC().Format(http.TimeFormat)
		if st.precomp && rng.IntN(3) == 0 {
			// The ETag of a sibling, right when the request picks it.
			if si, err := os.Stat(filepath.Join(st.root, filepath.FromSlash(name)) + ".gz"); err == nil {
				etag = etagOf(si, "gzip")
			}
		}
	} else {
		etag = `"nope"`
		lm = time.Unix(1700000000, 0).UTC().Format(http.TimeFormat)
	}
	pickTag := func() string {
		return []string{etag, `"wrong"`, "W/" + etag, "*", `"wrong", ` + etag, etag + ` , W/"x"`, "W/" + etag + ", " + etag, `"unterminated`}[rng.IntN(8)]
	}
	pickDate := func() string {
		t, _ := http.ParseTime(lm)
		return []string{lm, t.Add(time.Hour).Format(http.TimeFormat), t.Add(-time.Hour).Format(http.TimeFormat),
			"not a date", t.Format(time.RFC850), t.Add(time.Second).Format(http.TimeFormat),
			t.Add(-time.Second).Format(http.TimeFormat)}[rng.IntN(7)]
	}
	if rng.IntN(3) != 0 {
		q.hdr = append(q.hdr, "Range: "+randRange(rng, size))
		if rng.IntN(4) == 0 {
			if rng.IntN(2) == 0 {
				q.hdr = append(q.hdr, "If-Range: "+[]string{etag, `"wrong"`, "W/" + etag}[rng.IntN(3)])
			} else {
				q.hdr = append(q.hdr, "If-Range: "+pickDate())
			}
		}
	}
	if rng.IntN(6) == 0 {
		q.hdr = append(q.hdr, "If-None-Match: "+pickTag())
	}
	if rng.IntN(6) == 0 {
		q.hdr = append(q.hdr, "If-Modified-Since: "+pickDate())
	}
	if rng.IntN(8) == 0 {
		q.hdr = append(q.hdr, "If-Match: "+pickTag())
	}
	if rng.IntN(8) == 0 {
		q.hdr = append(q.hdr, "If-Unmodified-Since: "+pickDate())
	}
	if st.precomp || rng.IntN(4) == 0 {
		if a := staticAccepts[rng.IntN(len(staticAccepts))].value; a != "" {
			q.hdr = append(q.hdr, "Accept-Encoding: "+a)
		}
	}
	rng.Shuffle(len(q.hdr), func(i, j int) { q.hdr[i], q.hdr[j] = q.hdr[j], q.hdr[i] })
	return q
}

// oddName returns a path that is not a plain name of the tree: missing
// names, dot segments, encoded separators, links out, and raw targets
// (starting with "/", returned with an extra "/" in front, or with a
// NUL in front for a target that is not a path).
func (st *stree) oddName(rng *rand.Rand) string {
	some := "missing"
	if len(st.files) > 0 {
		some = st.files[rng.IntN(len(st.files))]
	}
	dir, base := path.Split(some)
	switch rng.IntN(18) {
	case 0:
		return "missing.txt"
	case 1:
		return "escape.txt"
	case 2:
		return "escdir/secret.txt"
	case 3:
		return path.Join(st.dirs[len(st.dirs)-1], "up.txt")
	case 4:
		return "inlink"
	case 5:
		return "//" + dir + "%2e%2e/" + base
	case 6:
		return "//../secret.txt"
	case 7:
		return "//%2e%2e/secret.txt"
	case 8:
		return "//" + strings.ReplaceAll(some, "/", "%2F")
	case 9:
		return "///" + some
	case 10:
		return "//" + dir + "./" + base
	case 11:
		return "//" + some + "%00"
	case 12:
		return "//" + strings.Repeat("a/", 1000+rng.IntN(2000)) + "x"
	case 13:
		return "//" + dir + "x/../" + base
	case 14:
		return "//" + some + "/"
	case 15:
		return "//%2e%2e%2fsecret.txt"
	case 16:
		return "//" + dir + "%5c..%5c" + base
	default:
		return some + ".nope"
	}
}

// staticExpect compares Static's answer e to net/http's n for q, and
// returns what is wrong, or "". It encodes where Static differs from
// net/http on purpose.
func (st *stree) staticExpect(q *sreq, e, n *sresp) string {
	rawPath, _, _ := strings.Cut(q.target, "?")
	hasRange := false
	for _, h := range q.hdr {
		if strings.HasPrefix(h, "Range:") {
			hasRange = true
		}
	}
	// Static never serves what is outside its root.
	if bytes.Contains(e.body, []byte("SECRET OUTSIDE")) {
		return "served a file from outside the root"
	}
	switch {
	case e.status == 400 && n.status == 400:
		// A request neither server takes (a malformed
		// percent-encoding).
		return ""
	case q.method == "POST":
		// Static answers GET and HEAD only (and OPTIONS); net/http's
		// FileServer serves POST like GET.
		if e.status != 405 || e.header.Get("Allow") != "GET, HEAD, OPTIONS" {
			return "POST: want 405 with Allow"
		}
		return ""
	case hasDotDot(rawPath):
		// A ".." segment, even one that stays inside the root, is a
		// name Static does not have; net/http's FileServer cleans it
		// away.
		if e.status != 404 && e.status != 400 {
			return "dot-dot: want 404"
		}
		return ""
	case strings.Contains(strings.ToLower(rawPath), "%2f") || strings.Contains(strings.ToLower(rawPath), "%5c") || strings.Contains(rawPath, "%00"):
		// An encoded separator or NUL is never a separator to Static
		// (its documentation): such a name is absent. net/http decodes
		// it into one.
		if e.status != 404 && e.status != 400 {
			return "encoded separator: want 404"
		}
		return ""
	}
	if e.status == 400 && strings.ContainsAny(q.target, "#\x00\t") {
		// Not a valid request-target (RFC 9112 §3.2); net/http lets
		// some through.
		return ""
	}
	if e.status == 200 && e.header.Get("Cache-Control") == "no-cache" {
		// A directory listing: net/http answers it with other HTML,
		// and evaluates conditionals on the directory's date; Static's
		// listings are not conditional ("no-cache").
		return ""
	}
	if e.status >= 400 && e.status < 500 && e.status != 404 && e.status != 412 && e.status != 416 || e.status >= 500 {
		// A request the server would not parse (a long target): both
		// refuse it.
		if n.status < 400 && e.status != 414 && e.status != 431 {
			return "refused a request net/http serves"
		}
		return ""
	}
	// Redirects: net/http sends "/dir" to "dir/" and "/dir/index.html"
	// or "/file/" back to the canonical name; Static redirects "/dir"
	// to "/dir/" and answers 404 for a file named with a slash.
	if n.status == 301 {
		loc, _, _ := strings.Cut(n.header.Get("Location"), "?")
		eloc, _, _ := strings.Cut(e.header.Get("Location"), "?")
		switch {
		case strings.HasSuffix(decoded(rawPath), "/index.html"):
			// Static serves the index by its name.
			if e.status == 301 {
				return "redirected the index by name"
			}
			return ""
		case strings.HasSuffix(loc, "/") && !strings.HasSuffix(rawPath, "/"):
			if e.status != 301 || !strings.HasSuffix(eloc, "/") {
				if e.status == 404 && !st.dotfiles && st.isDotName(q) {
					return ""
				}
				return fmt.Sprintf("directory without slash: want 301 to a slash, got %d %q", e.status, e.header.Get("Location"))
			}
			return ""
		case strings.HasSuffix(rawPath, "/index.html"):
			// Static serves the index by its name.
			if e.status == 301 {
				return "redirected the index by name"
			}
			return ""
		default:
			// A file with a trailing slash, or a path net/http
			// cleans ("//x", "/./x"): Static serves the clean name or
			// 404s the file with a slash.
			if strings.HasSuffix(rawPath, "/") && e.status != 404 {
				return fmt.Sprintf("file with a trailing slash: want 404, got %d", e.status)
			}
			if e.status == 301 && !strings.HasSuffix(eloc, "/") {
				return "redirect to a name without a slash"
			}
			return ""
		}
	}
	if n.status == 500 && st.isLinkOut(q) {
		// A link out of the root: net/http reports os.Root's error as
		// 500; to Static it is just absent (its documentation).
		if e.status != 404 {
			return "link out of the root: want 404"
		}
		return ""
	}
	if e.status == 404 && !st.dotfiles && st.isDotName(q) {
		// Dotfiles are hidden by default.
		return ""
	}
	// A directory without an index: net/http lists it; Static serves
	// its listing too (Listing is on), with other HTML.
	if n.status == 200 && strings.HasPrefix(n.header.Get("Content-Type"), "text/html") && e.header.Get("Cache-Control") == "no-cache" {
		if e.status != 200 {
			return "listing"
		}
		return ""
	}
	if n.status == 200 && e.header.Get("Cache-Control") == "no-cache" && e.status == 200 {
		return "" // a listing; net/http may answer a Range on it
	}
	if (zeroSuffix(rangeOf(q)) || strings.Contains(n.header.Get("Content-Range"), "--1/") || bytes.Contains(n.body, []byte("--1/"))) && q.method == "GET" && (n.status == 206 || e.status == 206) {
		// net/http selects an empty range for a suffix range of
		// length 0 ("-0"), or of an empty representation, and sends
		// an invalid Content-Range such as "bytes 0--1/0" or "bytes
		// 2-1/2"; a suffix range is satisfiable only when its length
		// is non-zero (RFC 9110 §14.1.1), so Static drops it, which
		// leaves the others or none (416, or the whole empty
		// representation for a non-zero suffix, see parseRange).
		return ""
	}
	if e.status == 200 && invalidSpec(rangeOf(q)) {
		// A range-spec whose last position is below its first is
		// invalid (RFC 9110 §14.1.1), and a server "MAY ignore or
		// reject" a Range with an invalid ranges-specifier (§14.2):
		// Static ignores the whole field, net/http skips that spec
		// when its first position is past the end and rejects the
		// rest.
		return ""
	}
	if (e.status == 206 || e.status == 416 && e.header.Get("Content-Range") != "") && n.status == 416 && n.header.Get("Content-Range") == "" && strings.HasPrefix(strings.ToLower(strings.ReplaceAll(rangeOf(q), " ", "")), "bytes=") {
		// Range units are case-insensitive (RFC 9110 §14.1); net/http
		// wants "bytes" in lower case. Static also takes white space
		// around the unit, which the grammar does not allow but which
		// is not ambiguous.
		return ""
	}
	if n.status == 416 && n.header.Get("Content-Range") == "" && q.method == "GET" {
		// net/http answers 416 to a Range header that does not parse;
		// Static ignores it, as RFC 9110 §14.2 allows ("a server MAY
		// ignore the Range header field"): the response is what the
		// request without Range gets.
		if e.status != 200 && e.status != 304 && e.status != 412 {
			return fmt.Sprintf("malformed Range: want it ignored, got %d", e.status)
		}
		return ""
	}
	if n.status == 200 && e.status == 416 && e.header.Get("Content-Range") == "bytes */0" && q.method == "GET" {
		// net/http ignores a Range on an empty file; RFC 9110 §14.1.1
		// makes a range whose first position is not below the length
		// (0) unsatisfiable, and Static answers 416 as documented.
		return ""
	}
	if e.status == 200 && n.status == 206 && e.header.Get("Content-Encoding") != "" && strings.Contains(rangeOf(q), ",") {
		// Several ranges of a precompressed sibling are ignored, the
		// sibling sent whole (Static's documentation).
		return ""
	}
	if q.method == "HEAD" && hasRange {
		// Range handling is defined for GET only (RFC 9110 §14.2: "A
		// server MUST ignore a Range header field received with a
		// request method that is unrecognized or for which range
		// handling is not defined"); net/http honours it on HEAD.
		if n.status == 206 || n.status == 416 {
			if e.status != 200 {
				return fmt.Sprintf("HEAD with Range: want 200, got %d", e.status)
			}
			return ""
		}
	}
	if e.status != n.status {
		return fmt.Sprintf("status %d, net/http %d", e.status, n.status)
	}
	if e.header.Get("Content-Range") != n.header.Get("Content-Range") {
		return fmt.Sprintf("Content-Range %q, net/http %q", e.header.Get("Content-Range"), n.header.Get("Content-Range"))
	}
	if e.status == 200 || e.status == 206 {
		if e.header.Get("Content-Encoding") != n.header.Get("Content-Encoding") {
			return fmt.Sprintf("Content-Encoding %q, net/http %q", e.header.Get("Content-Encoding"), n.header.Get("Content-Encoding"))
		}
		if e.header.Get("ETag") != n.header.Get("ETag") && n.header.Get("ETag") != "" {
			return fmt.Sprintf("ETag %q, net/http %q", e.header.Get("ETag"), n.header.Get("ETag"))
		}
		ct := e.header.Get("Content-Type")
		if strings.HasPrefix(ct, "multipart/byteranges") {
			if w := compareParts(e, n); w != "" {
				return w
			}
			return ""
		}
		// net/http leaves Content-Length out of a response with a
		// Content-Encoding (and sends it chunked); Static's body length
		// is checked against its own Content-Length when read.
		if n.header.Get("Content-Encoding") == "" && e.header.Get("Content-Length") != n.header.Get("Content-Length") {
			return fmt.Sprintf("Content-Length %q, net/http %q", e.header.Get("Content-Length"), n.header.Get("Content-Length"))
		}
		if !bytes.Equal(e.body, n.body) {
			return fmt.Sprintf("body of %d bytes differs from net/http's %d", len(e.body), len(n.body))
		}
	}
	if q.method == "HEAD" && len(e.body) != 0 {
		return "HEAD with a body"
	}
	return ""
}

// decoded returns p percent-decoded, or p if it does not decode.
func decoded(p string) string {
	if d, err := url.PathUnescape(p); err == nil {
		return d
	}
	return p
}

// zeroSuffix reports whether a Range value has a suffix range of length
// 0 ("-0").
func zeroSuffix(v string) bool {
	_, set, _ := strings.Cut(v, "=")
	for spec := range strings.SplitSeq(set, ",") {
		spec = strings.TrimSpace(spec)
		if strings.HasPrefix(spec, "-") && strings.Trim(spec[1:], "0") == "" && len(spec) > 1 {
			return true
		}
	}
	return false
}

// invalidSpec reports whether a Range value has a range-spec whose last
// position is below its first.
func invalidSpec(v string) bool {
	_, set, _ := strings.Cut(v, "=")
	for spec := range strings.SplitSeq(set, ",") {
		a, b, ok := strings.Cut(strings.TrimSpace(spec), "-")
		x, err1 := strconv.ParseInt(a, 10, 64)
		y, err2 := strconv.ParseInt(b, 10, 64)
		if ok && err1 == nil && err2 == nil && y < x {
			return true
		}
	}
	return false
}

// rangeOf returns q's Range value.
func rangeOf(q *sreq) string {
	for _, h := range q.hdr {
		if v, ok := strings.CutPrefix(h, "Range: "); ok {
			return v
		}
	}
	return ""
}

// isLinkOut reports whether q names a link out of the root.
func (st *stree) isLinkOut(q *sreq) bool {
	d := decoded(q.target)
	return strings.Contains(d, "escape") || strings.Contains(d, "escdir") || strings.Contains(d, "up.txt")
}

// hasDotDot reports whether a raw path has a ".." segment, encoded or
// not.
func hasDotDot(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if d, err := url.PathUnescape(seg); err == nil && d == ".." || strings.EqualFold(seg, "%2e%2e") {
			return true
		}
	}
	return false
}

// isDotName reports whether q names a dotfile (hidden by Static).
func (st *stree) isDotName(q *sreq) bool {
	for seg := range strings.SplitSeq(q.target, "/") {
		if strings.HasPrefix(seg, ".") && seg != "." && seg != ".." || strings.HasPrefix(strings.ToLower(seg), "%2e") {
			return true
		}
	}
	return false
}

// compareParts compares two multipart/byteranges bodies part by part.
func compareParts(e, n *sresp) string {
	ep, err := readParts(e)
	if err != nil {
		return "eddy multipart: " + err.Error()
	}
	np, err := readParts(n)
	if err != nil {
		return "net/http multipart: " + err.Error()
	}
	if len(ep) != len(np) {
		return fmt.Sprintf("%d parts, net/http %d", len(ep), len(np))
	}
	for i := range ep {
		if ep[i].cr != np[i].cr || !bytes.Equal(ep[i].body, np[i].body) {
			return fmt.Sprintf("part %d: %q (%d bytes), net/http %q (%d bytes)", i, ep[i].cr, len(ep[i].body), np[i].cr, len(np[i].body))
		}
	}
	return ""
}

type bpart struct {
	cr   string
	body []byte
}

func readParts(r *sresp) ([]bpart, error) {
	_, params, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	mr := multipart.NewReader(bytes.NewReader(r.body), params["boundary"])
	var out []bpart
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		out = append(out, bpart{p.Header.Get("Content-Range"), b})
	}
}

func TestStaticTorture(t *testing.T) {
	leakcheck.Check(t)
	seeds := tortureSeedList(t, staticTortureSeeds)
	per := tortureTime(t) / time.Duration(len(seeds))
	total, fails := 0, 0
	for _, seed := range seeds {
		rng := rand.New(rand.NewPCG(seed, 0x5747))
		precomp := seed%2 == 0
		st := makeSTree(t, rng, precomp)
		st.dotfiles = seed%3 == 0
		if seed%2 == 1 {
			st.mount = "/m"
		}
		// Small chunks make the multipart bodies, which are read in
		// chunks, come in many pieces (not tiny ones: every chunk is
		// a worker-pool round trip, and 1-byte chunks of a 200 KiB
		// body take longer than the watchdog under -race).
		opt := web.StaticOptions{Listing: true, Precompressed: precomp, Dotfiles: seed%3 == 0,
			ChunkSize: []int{0, 512, 4096, 65537}[rng.IntN(4)]}
		s, err := web.NewStatic(st.root, opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		var h httpserver.Handler = s
		if st.mount != "" {
			// Mounted on a route: the wildcard names the file.
			rt := web.New()
			if err := rt.Get(st.mount+"/*path", s.Serve); err != nil {
				t.Fatal(err)
			}
			h = rt
		}
		base, _ := serve(t, h)
		eaddr := strings.TrimPrefix(base, "http://")
		ref, root := st.reference(t)
		if st.mount != "" {
			ref = http.StripPrefix(st.mount, ref)
		}
		ns := httptest.NewServer(ref)
		t.Cleanup(func() { ns.Close(); root.Close() })
		naddr := strings.TrimPrefix(ns.URL, "http://")
		end := time.Now().Add(per)
		n := 0
		for ; n < 20 || time.Now().Before(end); n++ {
			q := st.randRequest(rng)
			e, err := q.do(eaddr)
			if err != nil {
				t.Fatalf("seed %d, request %d: %v: eddy: %v", seed, n, q, err)
			}
			nr, err := q.do(naddr)
			if err != nil {
				t.Fatalf("seed %d, request %d: %v: net/http: %v", seed, n, q, err)
			}
			if w := st.staticExpect(q, e, nr); w != "" {
				t.Errorf("seed %d, request %d: %v: %s\n  eddy: %d %v %.200q\n  net/http: %d %v %.200q", seed, n, q, w, e.status, e.header, e.body, nr.status, nr.header, nr.body)
				if fails++; fails >= 8 {
					break
				}
			}
		}
		total += n
		if t.Failed() {
			break
		}
	}
	t.Logf("%d requests over %d seeds", total, len(seeds))
}

// tortureWatchdog is how long a request may take before the torture
// calls it a hang (not a timing assertion: a healthy answer takes
// milliseconds). EDDY_TORTURE_WATCHDOG shortens it for shrinking.
var tortureWatchdog = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("EDDY_TORTURE_WATCHDOG")); err == nil {
		return d
	}
	return 20 * time.Second
}()
