package web_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/soak"
	"github.com/eddy-go/eddy/web"
)

// The request torture test sends random requests through an eddy
// server to the request and response helpers (Query, ReadForm,
// ReadMultipart, ReadJSON, Cookie, SetCookie, Redirect) and compares
// what they return with what net/http's own parsers make of the same
// bytes (http.ReadRequest, then ParseForm, ParseMultipartForm, Cookie,
// url.ParseQuery, json.Unmarshal; http.Response.Cookies for what we
// emit). Where the two disagree by design, the RFC decides and the
// reference says so (see cookieRef and the multipart notes). Limits must
// give their documented status and typed error, spilled files must be
// gone once the responses have ended, and nothing may leak.
// EDDY_TORTURE and EDDY_TORTURE_SEED work as for the other torture
// tests.

var requestTortureSeeds = []uint64{1, 2, 3, 4}

// errTag names the typed error a helper returned, for the client to
// check: the X-Err header of the answer.
func errTag(err error) string {
	var tags []string
	if errors.Is(err, httpserver.ErrBodyTooLarge) {
		tags = append(tags, "toolarge")
	}
	if errors.Is(err, web.ErrContentType) {
		tags = append(tags, "ctype")
	}
	if errors.Is(err, web.ErrMultipart) {
		tags = append(tags, "multipart")
	}
	if errors.Is(err, web.ErrCookie) {
		tags = append(tags, "cookie")
	}
	if errors.Is(err, web.ErrRedirectStatus) {
		tags = append(tags, "redirect")
	}
	var he *web.HTTPError
	if errors.As(err, &he) {
		tags = append(tags, "http"+strconv.Itoa(he.Code))
	}
	if len(tags) == 0 {
		return "untyped"
	}
	return strings.Join(tags, ",")
}

// canonValues prints url.Values in a fixed order.
func canonValues(v url.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%q=%q\n", k, v[k])
	}
	return b.String()
}

// tfile is a file part as both sides report it.
type tfile struct {
	Field, Filename, ContentType string
	Size                         int64
	Sum                          string
}

func (f tfile) String() string {
	return fmt.Sprintf("%q %q %q %d %s", f.Field, f.Filename, f.ContentType, f.Size, f.Sum[:12])
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// requestTortureRouter serves the helpers under test.
func requestTortureRouter(tmp string) *web.Router {
	rt := web.New()
	fail := func(c *web.Ctx, err error) {
		c.W.Header().Set("X-Err", errTag(err))
		c.Error(err)
	}
	rt.Get("/q", func(c *web.Ctx) {
		s := canonValues(c.Query())
		if c.QueryErr() != nil {
			s += "ERR\n"
		}
		c.Text(200, s)
	})
	rt.Post("/form", func(c *web.Ctx) {
		limit, _ := strconv.ParseInt(c.QueryValue("limit"), 10, 64)
		c.ReadForm(limit, func(v url.Values, err error) {
			if err != nil {
				fail(c, err)
				return
			}
			c.Text(200, canonValues(v))
		})
	})
	rt.Post("/json", func(c *web.Ctx) {
		limit, _ := strconv.ParseInt(c.QueryValue("limit"), 10, 64)
		var v any
		c.ReadJSON(limit, &v, func(err error) {
			if err != nil {
				fail(c, err)
				return
			}
			b, _ := json.Marshal(v)
			c.Text(200, string(b))
		})
	})
	rt.Post("/mp", func(c *web.Ctx) {
		atoi := func(k string) int64 { n, _ := strconv.ParseInt(c.QueryValue(k), 10, 64); return n }
		opt := web.MultipartOptions{MaxBytes: atoi("max"), MemoryBytes: atoi("mem"), MaxParts: int(atoi("parts")), TempDir: tmp}
		c.ReadMultipart(opt, func(f *web.Form, err error) {
			if err != nil {
				fail(c, err)
				return
			}
			// Spilled files are read in the worker pool.
			type fileRef struct {
				fp   *web.FilePart
				data []byte
			}
			var refs []fileRef
			for _, ps := range f.Files {
				for _, p := range ps {
					refs = append(refs, fileRef{fp: p, data: p.Bytes()})
				}
			}
			done, pr := future.New[[]tfile](c.R.Loop())
			eddy.Work(c.R.Loop(), func() ([]tfile, error) {
				var out []tfile
				for _, r := range refs {
					data := r.data
					if r.fp.Path() != "" {
						b, err := os.ReadFile(r.fp.Path())
						if err != nil {
							return nil, err
						}
						data = b
					}
					if int64(len(data)) != r.fp.Size {
						return nil, fmt.Errorf("%s: %d bytes, Size %d", r.fp.Filename, len(data), r.fp.Size)
					}
					out = append(out, tfile{r.fp.Field, r.fp.Filename, r.fp.ContentType, r.fp.Size, sum(data)})
				}
				return out, nil
			}, func(v []tfile, err error) { pr.Settle(v, err) })
			httpserver.Wait(c.W, done, func(files []tfile, err error) {
				if err != nil {
					c.Text(500, "reading spilled files: "+err.Error())
					return
				}
				c.Text(200, canonForm(f.Values, files))
			})
		})
	})
	rt.Get("/ck", func(c *web.Ctx) {
		var b strings.Builder
		for _, n := range c.Query()["n"] {
			v, err := c.Cookie(n)
			switch {
			case err == nil:
				fmt.Fprintf(&b, "%q=%q\n", n, v)
			case errors.Is(err, web.ErrNoCookie):
				fmt.Fprintf(&b, "%q none\n", n)
			default:
				fmt.Fprintf(&b, "%q error %v\n", n, err)
			}
		}
		c.Text(200, b.String())
	})
	rt.Get("/setck", func(c *web.Ctx) {
		q := c.Query()
		k := &web.Cookie{Name: q.Get("n"), Value: q.Get("v"), Path: q.Get("p"), Domain: q.Get("d")}
		if e := q.Get("e"); e != "" {
			sec, _ := strconv.ParseInt(e, 10, 64)
			k.Expires = time.Unix(sec, 0)
		}
		k.MaxAge, _ = strconv.Atoi(q.Get("m"))
		f := q.Get("f")
		k.Secure, k.HttpOnly, k.Partitioned = strings.Contains(f, "s"), strings.Contains(f, "h"), strings.Contains(f, "p")
		ss, _ := strconv.Atoi(q.Get("ss"))
		k.SameSite = web.SameSite(ss)
		if err := c.SetCookie(k); err != nil {
			c.W.Header().Set("X-Err", errTag(err))
		}
		c.Text(200, "ok")
	})
	rt.Get("/redir", func(c *web.Ctx) {
		s, _ := strconv.Atoi(c.QueryValue("s"))
		if err := c.Redirect(s, c.QueryValue("l")); err != nil {
			c.W.Header().Set("X-Err", errTag(err))
			c.Text(200, "not sent")
		}
	})
	return rt
}

// canonForm prints a multipart form in a fixed order.
func canonForm(v url.Values, files []tfile) string {
	slices.SortStableFunc(files, func(a, b tfile) int { return strings.Compare(a.Field, b.Field) })
	var b strings.Builder
	b.WriteString(canonValues(v))
	for _, f := range files {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

// tconn is a keep-alive connection that sends raw requests.
type tconn struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
}

// do sends req and reads the answer; the request is written while the
// answer is read, so that an answer given before the whole body (413)
// does not deadlock.
func (tc *tconn) do(req []byte, method string) (*http.Response, string, error) {
	for attempt := 0; ; attempt++ {
		reused := tc.c != nil
		if tc.c == nil {
			c, err := net.Dial("tcp", tc.addr)
			if err != nil {
				return nil, "", err
			}
			tc.c, tc.br = c, bufio.NewReader(c)
		}
		tc.c.SetDeadline(time.Now().Add(20 * time.Second)) // a watchdog against hangs
		wrote := make(chan error, 1)
		go func(c net.Conn) {
			_, err := c.Write(req)
			wrote <- err
		}(tc.c)
		resp, err := http.ReadResponse(tc.br, &http.Request{Method: method})
		var body []byte
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err != nil || resp.Close {
			tc.close()
		}
		werr := <-wrote
		if err != nil {
			if attempt == 0 && reused && resp == nil && (err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)) {
				// The server closed the connection after the last
				// response, as it may (RFC 9112 §9.5): after one that
				// left much of a request body unread, for one.
				continue
			}
			return nil, "", fmt.Errorf("%w (write: %v)", err, werr)
		}
		if werr != nil && !resp.Close {
			// The server answered before the body and kept the
			// connection: the rest of the body would be taken for the
			// next request.
			tc.close()
			return resp, string(body), fmt.Errorf("write failed on a connection kept open: %v", werr)
		}
		return resp, string(body), nil
	}
}

func (tc *tconn) close() {
	if tc.c != nil {
		tc.c.Close()
		tc.c = nil
	}
}

// rawRequest builds a request with a body, chunked or not.
func rawRequest(rng *rand.Rand, method, target string, hdr []string, body []byte, chunked bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: t\r\n", method, target)
	for _, h := range hdr {
		b.WriteString(h + "\r\n")
	}
	if method == "GET" && body == nil {
		b.WriteString("\r\n")
		return b.Bytes()
	}
	if !chunked {
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
		b.Write(body)
		return b.Bytes()
	}
	b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	for len(body) > 0 {
		n := min(len(body), 1+rng.IntN(70000))
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(body[:n])
		b.WriteString("\r\n")
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

// refRequest parses req with net/http.
func refRequest(req []byte) (*http.Request, error) {
	return http.ReadRequest(bufio.NewReader(bytes.NewReader(req)))
}

// pick returns a random element of xs.
func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// randFrom builds a string of up to n pieces of alphabet.
func randFrom(rng *rand.Rand, alphabet []string, n int) string {
	var b strings.Builder
	for range rng.IntN(n + 1) {
		b.WriteString(pick(rng, alphabet))
	}
	return b.String()
}

var queryAlphabet = []string{"a", "b", "k", "=", "&", "&&", "+", "%20", "%2", "%zz", "%", "%26", "%3D", "%C3%A9", "%FF", ";", "!", "$", "'", "(", ")", "*", ",", ":", "@", "/", "?", "-", "_", ".", "~", "x1", "%00"}

// validPercents reports whether every "%" in s starts a pct-encoded
// octet.
func validPercents(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// firstDiff shows where got and want part, in a few lines.
func firstDiff(got, want string) string {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w || i >= len(gl) || i >= len(wl) {
			short := func(s string) string {
				if len(s) > 300 {
					return s[:300] + "..."
				}
				return s
			}
			return fmt.Sprintf("line %d:\n  got  %s\n  want %s", i+1, short(g), short(w))
		}
	}
	return "(same)"
}

// tstep is one random action: its name, and a failure message or "".
type tstep func(rng *rand.Rand, tc *tconn) (string, string)

func TestRequestTorture(t *testing.T) {
	leakcheck.Check(t)
	total := tortureTime(t)
	// A longer run takes more seeds, about 5 s each.
	seeds := soak.Seeds(t, requestTortureSeeds, total, 5*time.Second)
	per := total / time.Duration(len(seeds))
	tmp := t.TempDir()
	base, _ := serve(t, requestTortureRouter(tmp))
	addr := strings.TrimPrefix(base, "http://")
	steps := []struct {
		name string
		fn   tstep
	}{
		{"query", tortureQuery},
		{"form", tortureForm},
		{"json", tortureJSON},
		{"multipart", tortureMultipart},
		{"multipart", tortureMultipart},
		{"cookies", tortureCookies},
		{"setcookie", tortureSetCookie},
		{"redirect", tortureRedirect},
	}
	counts := map[string]int{}
	actions := 0
	for _, seed := range seeds {
		rng := rand.New(rand.NewPCG(seed, 0x4e9))
		tc := &tconn{addr: addr}
		end := time.Now().Add(per)
		fails := 0
		prev := ""
		for n := 0; n < 40 || time.Now().Before(end); n++ {
			st := pick(rng, steps)
			what, bad := st.fn(rng, tc)
			counts[st.name]++
			actions++
			if bad != "" {
				t.Errorf("seed %d, action %d (%s): %s\n%s\n(after %.300s)", seed, n, st.name, what, bad, prev)
				if fails++; fails >= 5 {
					break
				}
			}
			prev = what
		}
		tc.close()
		if t.Failed() {
			break
		}
	}
	// Spilled files are removed off the loop once the responses have
	// ended: wait for that, with a watchdog.
	var left []os.DirEntry
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if left, _ = os.ReadDir(tmp); len(left) == 0 {
			break
		}
	}
	if len(left) != 0 {
		t.Errorf("%d spilled files left in the temporary directory, %s first", len(left), left[0].Name())
	}
	t.Logf("%d actions over %d seeds in %v: %v", actions, len(seeds), total, counts)
}

func tortureQuery(rng *rand.Rand, tc *tconn) (string, string) {
	raw := randFrom(rng, queryAlphabet, 30)
	target := "/q?" + raw
	req := rawRequest(rng, "GET", target, nil, nil, false)
	what := "GET " + target
	ref, err := refRequest(req)
	if err != nil {
		return what, "net/http refuses the request: " + err.Error()
	}
	v, qerr := url.ParseQuery(ref.URL.RawQuery)
	want := canonValues(v)
	if qerr != nil {
		want += "ERR\n"
	}
	wantStatus := 200
	if !validPercents(raw) {
		// The server refuses a request-target that is not a URI
		// (RFC 9112 §3.2, RFC 3986 §2.1: "%" is followed by two hex
		// digits) before any handler sees it; net/http takes it.
		wantStatus, want = 400, "Bad Request\n"
	}
	resp, body, err := tc.do(req, "GET")
	if err != nil {
		return what, err.Error()
	}
	if resp.StatusCode != wantStatus || body != want {
		return what, fmt.Sprintf("got %d, want %d (url.ParseQuery)\n%s", resp.StatusCode, wantStatus, firstDiff(body, want))
	}
	return what, ""
}

var formTypes = []string{
	"application/x-www-form-urlencoded", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded",
	"Application/X-WWW-Form-URLEncoded; charset=utf-8", "text/plain", "", "application/x-www-form-urlencoded; =bad",
}

func tortureForm(rng *rand.Rand, tc *tconn) (string, string) {
	body := []byte(randFrom(rng, queryAlphabet, 60))
	if rng.IntN(8) == 0 {
		body = append(body, strings.Repeat("k=v&", 200+rng.IntN(300))...)
	}
	limit := int64(1 + rng.IntN(1200))
	ct := pick(rng, formTypes)
	var hdr []string
	if ct != "" {
		hdr = append(hdr, "Content-Type: "+ct)
	}
	chunked := rng.IntN(4) == 0
	req := rawRequest(rng, "POST", "/form?limit="+strconv.FormatInt(limit, 10), hdr, body, chunked)
	what := fmt.Sprintf("form %q (%d bytes, limit %d, Content-Type %q, chunked %v)", body[:min(len(body), 80)], len(body), limit, ct, chunked)
	ref, err := refRequest(req)
	if err != nil {
		return what, "net/http refuses the request: " + err.Error()
	}
	mt, _, _ := mime.ParseMediaType(ct)
	perr := ref.ParseForm()
	var wantStatus int
	var wantTag, want string
	switch {
	case mt != "application/x-www-form-urlencoded":
		wantStatus, wantTag = 415, "ctype,http415"
	case int64(len(body)) > limit:
		wantStatus, wantTag = 413, "toolarge"
	case errors.Is(perr, mime.ErrInvalidMediaParameter):
		// net/http refuses a Content-Type whose parameters do not
		// parse; the helper goes by its media type, which does.
		v, err := url.ParseQuery(string(body))
		if err != nil {
			wantStatus, wantTag = 400, "http400"
		} else {
			wantStatus, want = 200, canonValues(v)
		}
	case perr != nil:
		wantStatus, wantTag = 400, "http400"
	default:
		wantStatus, want = 200, canonValues(ref.PostForm)
	}
	resp, got, err := tc.do(req, "POST")
	if err != nil {
		return what, err.Error()
	}
	if resp.StatusCode != wantStatus || resp.Header.Get("X-Err") != wantTag || wantStatus == 200 && got != want {
		return what, fmt.Sprintf("got %d %q, want %d %q (net/http ParseForm: %v)\n%s", resp.StatusCode, resp.Header.Get("X-Err"), wantStatus, wantTag, perr, firstDiff(got, want))
	}
	return what, ""
}

var jsonPieces = []string{`{"a":1}`, `[1,2,3]`, `"s"`, `null`, `true`, `1e400`, `12345678901234567890`, `{"a":`, `}`, ` `, "\n", `{"é":"\u00e9"}`, `[]`, `{}`, `"\ud800"`, `x`, `{"a":1}{"b":2}`, `[` + strings.Repeat(`"xxxxxxxx",`, 40) + `0]`, "\xff"}
var jsonTypes = []string{"", "application/json", "application/json; charset=utf-8", "application/problem+json", "text/json", "text/plain", "application/json; x"}

func tortureJSON(rng *rand.Rand, tc *tconn) (string, string) {
	body := []byte(randFrom(rng, jsonPieces, 3))
	limit := int64(1 + rng.IntN(600))
	ct := pick(rng, jsonTypes)
	var hdr []string
	if ct != "" {
		hdr = append(hdr, "Content-Type: "+ct)
	}
	req := rawRequest(rng, "POST", "/json?limit="+strconv.FormatInt(limit, 10), hdr, body, rng.IntN(4) == 0)
	what := fmt.Sprintf("json %q (limit %d, Content-Type %q)", body, limit, ct)
	mt, _, _ := mime.ParseMediaType(ct)
	var v any
	jerr := json.Unmarshal(body, &v)
	var wantStatus int
	var wantTag, want string
	switch {
	case mt != "" && mt != "application/json" && !strings.HasSuffix(mt, "+json"):
		wantStatus, wantTag = 415, "ctype,http415"
	case int64(len(body)) > limit:
		wantStatus, wantTag = 413, "toolarge"
	case jerr != nil:
		wantStatus, wantTag = 400, "http400"
	default:
		b, _ := json.Marshal(v)
		wantStatus, want = 200, string(b)
	}
	resp, got, err := tc.do(req, "POST")
	if err != nil {
		return what, err.Error()
	}
	if resp.StatusCode != wantStatus || resp.Header.Get("X-Err") != wantTag || wantStatus == 200 && got != want {
		return what, fmt.Sprintf("got %d %q %s\nwant %d %q %s (json.Unmarshal: %v)", resp.StatusCode, resp.Header.Get("X-Err"), got, wantStatus, wantTag, want, jerr)
	}
	return what, ""
}

// bchars are the characters RFC 2046 allows in a boundary.
const bchars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? "

func randBoundary(rng *rand.Rand) string {
	n := 1 + rng.IntN(70)
	if rng.IntN(2) == 0 {
		n = 1 + rng.IntN(10)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = bchars[rng.IntN(len(bchars))]
	}
	if b[n-1] == ' ' {
		b[n-1] = 'z'
	}
	return string(b)
}

// randContent returns a part's content: text and binary with pieces that
// look like delimiters, but never a delimiter line (that would end the
// part, and what counts as one where the RFC's grammar fails is the
// parsers' own choice).
func randContent(rng *rand.Rand, bnd string, size int) []byte {
	delim := "\r\n--" + bnd
	var b []byte
	for len(b) < size {
		switch rng.IntN(12) {
		case 0:
			b = append(b, "\r\n"...)
		case 1:
			b = append(b, delim[:1+rng.IntN(len(delim)-1)]...)
		case 2:
			b = append(b, delim+"x"...)
		case 3:
			b = append(b, "--"+bnd...)
		case 4:
			for range 1 + rng.IntN(64) {
				b = append(b, byte(rng.IntN(256)))
			}
		default:
			b = append(b, "lorem ipsum dolor "[rng.IntN(10):]...)
		}
	}
	b = b[:size]
	// Break what became a delimiter followed by padding, CR, LF or "-",
	// and the same without its CRLF at the start, where the part's
	// header section lends its last CRLF.
	if dash := delim[2:]; bytes.HasPrefix(b, []byte(dash)) {
		if k := len(dash); k == len(b) || strings.IndexByte(" \t\r\n-", b[k]) >= 0 {
			b = slices.Insert(b, k, 'x')
		}
	}
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(delim))
		if j < 0 {
			break
		}
		k := i + j + len(delim)
		if k == len(b) || strings.IndexByte(" \t\r\n-", b[k]) >= 0 {
			b = slices.Insert(b, k, 'x')
		}
		i = k
	}
	return b
}

var (
	mpNames     = []string{"a", "b", "file", "a b", "é", `q"uote`, "", "x/y", "dup", "dup"}
	mpFilenames = []string{"f.txt", "../../etc/passwd", "a/b.txt", `C:\x\y.txt`, "..", "/", ".", "é.bin", "sp ace.txt", ""}
	mpTypes     = []string{"text/plain", "application/octet-stream", "image/png", "text/plain; charset=utf-8", ""}
)

// randPartHeader returns one part's header lines: mostly a form-data
// Content-Disposition, sometimes another disposition, none, a malformed
// one, a folded field or a line that is no field.
func randPartHeader(rng *rand.Rand) []string {
	var hdr []string
	name := pick(rng, mpNames)
	params := map[string]string{"name": name}
	if rng.IntN(5) < 2 {
		params["filename"] = pick(rng, mpFilenames)
	}
	cdName := "Content-Disposition"
	if rng.IntN(6) == 0 {
		cdName = "content-disposition"
	}
	switch x := rng.IntN(40); {
	case x == 0:
		// No Content-Disposition.
	case x == 1:
		hdr = append(hdr, cdName+": "+mime.FormatMediaType("attachment", params))
	case x == 2:
		hdr = append(hdr, cdName+": form-data")
	case x == 3:
		hdr = append(hdr, cdName+`: form-data; name="unterminated`)
	case x == 4:
		hdr = append(hdr, cdName+": Form-Data; name="+name)
	default:
		hdr = append(hdr, cdName+": "+mime.FormatMediaType("form-data", params))
	}
	if rng.IntN(2) == 0 {
		if ct := pick(rng, mpTypes); ct != "" {
			hdr = append(hdr, "Content-Type: "+ct)
		}
	}
	switch rng.IntN(40) {
	case 0:
		hdr = append(hdr, "X-Extra: v")
	case 1:
		hdr = append(hdr, "X-Fold: a\r\n b")
	case 2:
		hdr = append(hdr, "no colon")
	case 3:
		hdr = append(hdr, "X-Empty:")
	case 4:
		hdr = slices.Insert(hdr, 0, "X-First: 1")
	}
	return hdr
}

func tortureMultipart(rng *rand.Rand, tc *tconn) (string, string) {
	bnd := randBoundary(rng)
	mem := pick(rng, []int64{1, 100, 1000, 64 << 10})
	nparts := rng.IntN(8)
	if rng.IntN(10) == 0 {
		nparts = rng.IntN(60)
	}
	var body []byte
	if rng.IntN(3) == 0 {
		body = append(body, "preamble \r\n-- not it\r\n"[:rng.IntN(20)]...)
		body = append(body, "\r\n"...)
	}
	pad := func() {
		if rng.IntN(10) == 0 {
			body = append(body, " \t "[:1+rng.IntN(3)]...)
		}
	}
	for i := range nparts {
		if i > 0 {
			body = append(body, "\r\n"...)
		}
		body = append(body, "--"+bnd...)
		pad()
		body = append(body, "\r\n"...)
		for _, h := range randPartHeader(rng) {
			body = append(body, h+"\r\n"...)
		}
		if rng.IntN(20) == 0 {
			// No content, and no empty line before the delimiter:
			// body-part := MIME-part-headers [CRLF *OCTET].
			continue
		}
		body = append(body, "\r\n"...)
		var size int
		switch x := rng.IntN(10); {
		case x < 7:
			size = rng.IntN(200)
		case x < 9:
			size = max(0, int(mem)-1+rng.IntN(3))
		default:
			size = 100000 + rng.IntN(200000)
		}
		body = append(body, randContent(rng, bnd, size)...)
	}
	if nparts > 0 {
		body = append(body, "\r\n"...)
	}
	body = append(body, "--"+bnd+"--"...)
	closeEnd := len(body)
	pad()
	if rng.IntN(3) == 0 {
		body = append(body, "\r\nepilogue --"+bnd+"\r\n"...)
	}

	maxBytes := int64(8 << 20)
	if rng.IntN(3) == 0 {
		maxBytes = max(1, int64(len(body))-50+rng.Int64N(100))
	}
	maxParts := 1000
	if rng.IntN(3) == 0 {
		maxParts = max(1, nparts-2+rng.IntN(4))
	}
	truncated := false
	if rng.IntN(10) == 0 && nparts <= maxParts {
		body = body[:rng.IntN(len(body)+1)]
		// Cut before the end of the close delimiter, the body is
		// incomplete: net/http takes a cut inside a part's header
		// section for the end of the body (its header reader's
		// io.EOF ends ReadForm's loop), RFC 2046 does not.
		truncated = len(body) < closeEnd
	}
	ct := mime.FormatMediaType("multipart/form-data", map[string]string{"boundary": bnd})
	badBoundary := false
	switch rng.IntN(30) {
	case 0:
		ct = "multipart/mixed; boundary=" + strconv.Quote(bnd)
	case 1:
		ct = "text/plain"
	case 2:
		ct = "multipart/form-data; boundary=\"" + bnd + "@\""
		badBoundary = true
	case 3:
		ct = "multipart/form-data"
		badBoundary = true
	}
	chunked := rng.IntN(4) == 0
	target := fmt.Sprintf("/mp?max=%d&mem=%d&parts=%d", maxBytes, mem, maxParts)
	req := rawRequest(rng, "POST", target, []string{"Content-Type: " + ct}, body, chunked)
	what := fmt.Sprintf("multipart: %d parts, %d bytes, boundary %q, Content-Type %q, max %d, mem %d, parts %d, truncated %v, chunked %v, ending %q",
		nparts, len(body), bnd, ct, maxBytes, mem, maxParts, truncated, chunked, body[max(0, len(body)-60):])

	ref, err := refRequest(req)
	if err != nil {
		return what, "net/http refuses the request: " + err.Error()
	}
	perr := ref.ParseMultipartForm(64 << 20)
	if ref.MultipartForm != nil {
		defer ref.MultipartForm.RemoveAll()
	}
	mt, _, _ := mime.ParseMediaType(ct)
	var wantStatus int
	var wantTag, want string
	switch {
	case mt != "multipart/form-data":
		wantStatus, wantTag = 415, "ctype,http415"
	case badBoundary:
		wantStatus, wantTag = 400, "multipart,http400"
	case int64(len(body)) > maxBytes:
		wantStatus, wantTag = 413, "toolarge,http413"
	case nparts > maxParts:
		wantStatus, wantTag = 413, "http413"
	case perr != nil, truncated:
		wantStatus, wantTag = 400, "multipart,http400"
	default:
		var files []tfile
		for field, fhs := range ref.MultipartForm.File {
			for _, fh := range fhs {
				f, err := fh.Open()
				if err != nil {
					return what, "net/http's file: " + err.Error()
				}
				b, _ := io.ReadAll(f)
				f.Close()
				files = append(files, tfile{field, fh.Filename, fh.Header.Get("Content-Type"), fh.Size, sum(b)})
			}
		}
		wantStatus, want = 200, canonForm(ref.MultipartForm.Value, files)
	}
	resp, got, err := tc.do(req, "POST")
	if err != nil {
		return what, err.Error()
	}
	if wantStatus == 413 && (nparts > maxParts || chunked) && perr != nil && resp.StatusCode == 400 && resp.Header.Get("X-Err") == "multipart,http400" {
		// Malformed before the part or the byte beyond the limit.
		return what, ""
	}
	if wantStatus == 413 && nparts > maxParts && chunked && resp.StatusCode == 413 && resp.Header.Get("X-Err") == "http413" {
		// Too many parts before too many bytes.
		return what, ""
	}
	if resp.StatusCode != wantStatus || resp.Header.Get("X-Err") != wantTag || wantStatus == 200 && got != want {
		return what, fmt.Sprintf("got %d %q, want %d %q (net/http: %.300v)\n%s", resp.StatusCode, resp.Header.Get("X-Err"), wantStatus, wantTag, perr, firstDiff(got, want))
	}
	return what, ""
}

var (
	ckNames  = []string{"a", "b", "sid", "x-y", "A", "_", "%", "!", "a b", "é", "(", ""}
	ckValues = []string{"v", "1", "%20", "=", "abc", "/", "?", "", "", " ", ",", `"`, `\`, "é", "\t"}
)

// cookieRef is the value of the first pair named name in the Cookie
// fields hdr by RFC 6265 §4.2.1: cookie-pair = cookie-name "="
// cookie-value, the name a token and the value cookie-octets, possibly
// in double quotes (removed). net/http is laxer: it also takes a pair
// without "=" (as a name with an empty value), trims spaces around the
// name, and lets spaces and commas into values.
func cookieRef(hdr []string, name string) (string, bool) {
	for _, line := range hdr {
		for pair := range strings.SplitSeq(line, ";") {
			pair = strings.Trim(pair, " \t")
			n, v, ok := strings.Cut(pair, "=")
			if !ok || n != name || !isTokenRef(n) {
				continue
			}
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			good := true
			for i := 0; i < len(v); i++ {
				c := v[i]
				if c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\' {
					good = false
				}
			}
			if good {
				return v, true
			}
		}
	}
	return "", false
}

func isTokenRef(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

func tortureCookies(rng *rand.Rand, tc *tconn) (string, string) {
	var hdr []string
	names := map[string]bool{"missing": true}
	nfields := 1
	if rng.IntN(8) == 0 {
		nfields = 2 + rng.IntN(2)
	}
	for range nfields {
		var pairs []string
		npairs := 1 + rng.IntN(6)
		if rng.IntN(10) == 0 {
			npairs = 50 + rng.IntN(200)
		}
		for range npairs {
			n := pick(rng, ckNames)
			if rng.IntN(4) == 0 {
				n = pick(rng, ckNames[:8])
			}
			names[n] = true
			v := randFrom(rng, ckValues[:8], 4)
			if rng.IntN(4) == 0 {
				v = randFrom(rng, ckValues, 4)
			}
			if rng.IntN(8) == 0 {
				v = `"` + v + `"`
			}
			switch rng.IntN(20) {
			case 0:
				pairs = append(pairs, n)
			case 1:
				pairs = append(pairs, "")
			case 2:
				pairs = append(pairs, n+" = "+v)
			default:
				pairs = append(pairs, n+"="+v)
			}
		}
		hdr = append(hdr, "Cookie: "+strings.Join(pairs, pick(rng, []string{"; ", ";", " ; ", ";  "})))
	}
	q := url.Values{}
	for n := range names {
		q.Add("n", n)
	}
	slices.Sort(q["n"])
	req := rawRequest(rng, "GET", "/ck?"+q.Encode(), hdr, nil, false)
	what := fmt.Sprintf("cookies %q", hdr)
	ref, err := refRequest(req)
	if err != nil {
		return what, "net/http refuses the request: " + err.Error()
	}
	var want strings.Builder
	var lax []string
	for _, n := range q["n"] {
		v, ok := cookieRef(ref.Header.Values("Cookie"), n)
		if ok {
			fmt.Fprintf(&want, "%q=%q\n", n, v)
		} else {
			fmt.Fprintf(&want, "%q none\n", n)
		}
		gk, gerr := ref.Cookie(n)
		if (gerr == nil) != ok || ok && gk.Value != v {
			lax = append(lax, n)
		}
	}
	resp, got, err := tc.do(req, "GET")
	if err != nil {
		return what, err.Error()
	}
	if resp.StatusCode != 200 || got != want.String() {
		return what, fmt.Sprintf("got %d (RFC 6265; net/http differs on %q)\n%s", resp.StatusCode, lax, firstDiff(got, want.String()))
	}
	return what, ""
}

var (
	sckNames   = []string{"a", "sid", "x-y", "%", "!", "a b", "a;b", "", "é", "a=b", "a\x01"}
	sckValues  = []string{"v", "abc123", `"q"`, "", "a b", "a,b", "a;b", `a"b`, `a\b`, "é", "%20", "=", "\x7f", `"`}
	sckPaths   = []string{"", "", "/", "/a/b", "/a b", "/a ", " /a", "/a;b", "/x\x7f", "/é", "/a,b", "/\t"}
	sckDomains = []string{"", "", "example.com", ".example.com", "a..b", "-x.com", "x-.com", "x_y.com", "1.2.3.4", "[::1]", "é.com", ".", "a.", strings.Repeat("a", 64) + ".com", "EXAMPLE.com"}
)

func tortureSetCookie(rng *rand.Rand, tc *tconn) (string, string) {
	name, value := pick(rng, sckNames[:5]), pick(rng, sckValues[:3])
	if rng.IntN(3) == 0 {
		name = pick(rng, sckNames)
	}
	if rng.IntN(3) == 0 {
		value = pick(rng, sckValues)
	}
	path, domain := pick(rng, sckPaths), pick(rng, sckDomains)
	var exp int64
	if rng.IntN(3) == 0 {
		exp = time.Date(1500+rng.IntN(8700), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), 0, time.UTC).Unix()
	}
	maxAge := 0
	if rng.IntN(2) == 0 {
		maxAge = rng.IntN(200000) - 50000
	}
	var flags string
	for _, f := range []string{"s", "h", "p"} {
		if rng.IntN(2) == 0 {
			flags += f
		}
	}
	ss := rng.IntN(4)
	q := url.Values{"n": {name}, "v": {value}, "p": {path}, "d": {domain}, "m": {strconv.Itoa(maxAge)}, "f": {flags}, "ss": {strconv.Itoa(ss)}}
	if exp != 0 {
		q.Set("e", strconv.FormatInt(exp, 10))
	}
	req := rawRequest(rng, "GET", "/setck?"+q.Encode(), nil, nil, false)
	what := fmt.Sprintf("Set-Cookie name %q value %q path %q domain %q expires %d max-age %d flags %q samesite %d", name, value, path, domain, exp, maxAge, flags, ss)
	resp, _, err := tc.do(req, "GET")
	if err != nil {
		return what, err.Error()
	}
	secure, partitioned := strings.Contains(flags, "s"), strings.Contains(flags, "p")
	// net/http's view of the same cookie.
	gk := &http.Cookie{Name: name, Value: strings.Trim(value, `"`), Quoted: len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"', Path: path, Domain: domain, Secure: secure, Partitioned: partitioned}
	if exp != 0 {
		gk.Expires = time.Unix(exp, 0)
	}
	goValid := gk.Valid()
	if xe := resp.Header.Get("X-Err"); xe != "" {
		if xe != "cookie" {
			return what, "refused with an untyped error: " + xe
		}
		if len(resp.Header.Values("Set-Cookie")) != 0 {
			return what, "refused, but a Set-Cookie went out"
		}
		// Refusals where net/http differs: SameSite=None without
		// Secure; a value outside RFC 6265's cookie-octets (net/http
		// would quote it); a path with spaces at an end, which a
		// browser trims (RFC 6265 §5.2), or a Domain ending in a dot;
		// an expiry past 9999, which
		// a cookie-date cannot carry.
		// (A Domain ending in a dot is no host name, RFC 1034 §3.5:
		// no browser's host domain-matches it.)
		pathSpace := path != strings.Trim(path, " ") || strings.HasSuffix(domain, ".")
		expYear := time.Unix(exp, 0).UTC().Year()
		if goValid == nil && !(ss == 3 && !secure) && validCookieRFC(value) == nil && !pathSpace && (exp == 0 || expYear <= 9999) {
			return what, "refused a cookie net/http takes for valid"
		}
		return what, ""
	}
	if goValid != nil {
		return what, fmt.Sprintf("sent %q, which net/http finds invalid: %v", resp.Header.Values("Set-Cookie"), goValid)
	}
	cks := resp.Cookies()
	if len(cks) != 1 {
		return what, fmt.Sprintf("sent %q, which net/http reads as %d cookies", resp.Header.Values("Set-Cookie"), len(cks))
	}
	c := cks[0]
	wantMax := maxAge
	if maxAge < 0 {
		wantMax = -1
	}
	wantSS := []http.SameSite{0, http.SameSiteLaxMode, http.SameSiteStrictMode, http.SameSiteNoneMode}[ss]
	wantExp := int64(0)
	if exp != 0 {
		wantExp = exp
	}
	gotExp := int64(0)
	if !c.Expires.IsZero() {
		gotExp = c.Expires.Unix()
	}
	if c.Name != name || c.Value != gk.Value || c.Quoted != gk.Quoted || c.Path != path || c.Domain != strings.TrimPrefix(domain, ".") ||
		gotExp != wantExp || c.MaxAge != wantMax || c.Secure != secure || c.HttpOnly != strings.Contains(flags, "h") ||
		c.Partitioned != partitioned || c.SameSite != wantSS {
		return what, fmt.Sprintf("sent %q, read back by net/http as %+v", resp.Header.Values("Set-Cookie"), c)
	}
	return what, ""
}

// validCookieRFC checks a cookie-value by RFC 6265 §4.1.1.
func validCookieRFC(v string) error {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\' {
			return fmt.Errorf("byte %q", c)
		}
	}
	return nil
}

var redirPieces = []string{"/", "a", "/x?y=1", "#f", "//evil.example", "https://e.example/p", " ", "é", "%", "%2F", ":", "\t", "\r\n", "\x00", "\x7f", "~"}

func tortureRedirect(rng *rand.Rand, tc *tconn) (string, string) {
	status := pick(rng, []int{300, 301, 302, 303, 307, 308, 300, 301, 302, 303, 307, 308, 304, 305, 200, 399, 0})
	loc := randFrom(rng, redirPieces[:10], 6)
	if rng.IntN(5) == 0 {
		loc = randFrom(rng, redirPieces, 6)
	}
	q := url.Values{"s": {strconv.Itoa(status)}, "l": {loc}}
	req := rawRequest(rng, "GET", "/redir?"+q.Encode(), nil, nil, false)
	what := fmt.Sprintf("Redirect(%d, %q)", status, loc)
	resp, _, err := tc.do(req, "GET")
	if err != nil {
		return what, err.Error()
	}
	ctl := strings.ContainsFunc(loc, func(r rune) bool { return r < ' ' || r == 0x7f })
	switch status {
	case 300, 301, 302, 303, 307, 308:
	default:
		ctl = true
	}
	if ctl {
		if resp.StatusCode != 200 || resp.Header.Get("X-Err") != "redirect" || resp.Header.Get("Location") != "" {
			return what, fmt.Sprintf("got %d %q Location %q, want the typed error and nothing sent", resp.StatusCode, resp.Header.Get("X-Err"), resp.Header.Get("Location"))
		}
		return what, ""
	}
	// Location is a URI-reference (RFC 9110 §10.2.2): ASCII only, the
	// rest percent-encoded, as net/http's Redirect does. The spaces
	// around it are dropped.
	got := resp.Header.Get("Location")
	var want strings.Builder
	for _, c := range []byte(strings.Trim(loc, " ")) {
		if c >= 0x80 {
			fmt.Fprintf(&want, "%%%02X", c)
		} else {
			want.WriteByte(c)
		}
	}
	if resp.StatusCode != status || got != want.String() {
		return what, fmt.Sprintf("got %d Location %q, want %d %q", resp.StatusCode, got, status, want.String())
	}
	return what, ""
}
