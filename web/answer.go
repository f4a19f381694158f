package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-go/eddy/httpserver"
)

// answer sends the response for what resolve found, on the loop.
func (s *Static) answer(c *Ctx, res *resolved, err error) {
	w, r := c.W, c.R
	if err != nil {
		// Only "forbidden" is worth telling apart: anything else,
		// such as a symbolic link out of the root, is just absent.
		if errors.Is(err, fs.ErrPermission) {
			c.Text(403, "403 forbidden\n")
		} else {
			c.Text(404, "404 page not found\n")
		}
		w.End()
		return
	}
	h := w.Header()
	switch {
	case res.redirect:
		loc := cleanRedirect(r.Path)
		if r.RawQuery != "" {
			loc += "?" + r.RawQuery
		}
		if err := c.Redirect(301, loc); err != nil {
			c.Text(404, "404 page not found\n")
		}
		w.End()
		return
	case res.listing != nil:
		h.Set("Content-Type", res.ctype)
		h.Set("Cache-Control", "no-cache")
		w.Write(res.listing)
		w.End()
		return
	}
	gz := s.gzipOnTheFly(c, res)
	if res.vary {
		h.Set("Vary", "Accept-Encoding")
	}
	h.Set("ETag", res.etag)
	h.Set("Last-Modified", res.modTime.UTC().Format(httpTime))
	h.Set("Accept-Ranges", "bytes")
	if st := precondition(c, res); st != 0 {
		if st == 412 {
			c.Text(412, "412 precondition failed\n")
		} else {
			if g := c.gzip; g != nil && g.Compressible(res.ctype) {
				// The Gzip middleware gave the 200 this 304
				// validates "Vary: Accept-Encoding", by its type,
				// which a 304 does not carry.
				addVary(h, "Accept-Encoding")
			}
			w.WriteHeader(st)
		}
		res.f.Close()
		w.End()
		return
	}
	h.Set("Content-Type", res.ctype)
	if res.encoding != "" {
		h.Set("Content-Encoding", res.encoding)
	}
	if gz {
		h.Set("Content-Encoding", "gzip")
		h.Del("Accept-Ranges")
		if r.Method == "HEAD" {
			w.Flush() // the head a GET would get: chunked
			res.f.Close()
			w.End()
			return
		}
		sd := &sender{c: c, res: res, parts: []part{{off: 0, n: res.size}}, buf: make([]byte, min(int64(s.opt.ChunkSize), res.size))}
		sd.gzLevel = s.opt.Gzip.Level
		sd.gz = getGzip(sd.gzLevel, &sd.zbuf)
		sd.next()
		return
	}
	parts := []part{{off: 0, n: res.size}}
	total := res.size
	if rv, ok := r.Header.Lookup("Range"); ok && r.Method == "GET" && ifRange(c, res) {
		ranges, err := parseRange(rv, res.size)
		switch {
		case err == ErrRangeUnsatisfiable:
			h.Set("Content-Range", "bytes */"+strconv.FormatInt(res.size, 10))
			h.Del("Content-Type")
			h.Del("Content-Encoding")
			c.Text(416, "416 range not satisfiable\n")
			res.f.Close()
			w.End()
			return
		case err == nil && len(ranges) > 0 && coverage(ranges) <= res.size && (len(ranges) == 1 || res.encoding == ""):
			// Several ranges of a precompressed sibling are ignored:
			// the Content-Encoding would apply to the multipart body.
			w.WriteHeader(206)
			if len(ranges) == 1 {
				rg := ranges[0]
				h.Set("Content-Range", contentRange(rg, res.size))
				parts, total = []part{{off: rg.start, n: rg.length}}, rg.length
			} else {
				parts, total = byteranges(h, res, ranges)
			}
		}
	}
	h.Set("Content-Length", strconv.FormatInt(total, 10))
	if r.Method == "HEAD" || total == 0 {
		res.f.Close()
		w.End()
		return
	}
	if len(parts) == 1 && s.sendFile(c, res, parts[0]) {
		return
	}
	(&sender{c: c, res: res, parts: parts, buf: make([]byte, min(int64(s.opt.ChunkSize), total))}).next()
}

// sendFile sends a single file region with sendfile, the kernel copying
// it to the socket, and reports whether it did (or failed for good): a
// connection that cannot (TLS) is left to the worker-pool path.
func (s *Static) sendFile(c *Ctx, res *resolved, p part) bool {
	f := res.f
	err := c.W.SendFile(f, p.off, p.n, func() { f.Close() })
	if errors.Is(err, httpserver.ErrSendFileUnsupported) {
		return false
	}
	if err != nil {
		f.Close()
	}
	c.W.End()
	return true
}

// gzipOnTheFly decides whether to compress the file for this request,
// and if so changes its ETag to the gzip one.
func (s *Static) gzipOnTheFly(c *Ctx, res *resolved) bool {
	g := s.opt.Gzip
	if g == nil || res.encoding != "" || !g.Compressible(res.ctype) {
		return false
	}
	res.vary = true
	ae, ok := listField(&c.R.Header, "Accept-Encoding")
	may, must := wantGzip(ae, ok)
	if !may || c.R.Header.Has("Range") || (res.size < int64(g.MinSize) && !must) {
		return false
	}
	res.etag = gzipETag(res.etag)
	return true
}

// coverage sums the lengths of ranges: a request whose ranges add up to
// more than the representation (overlaps) gets it whole instead.
func coverage(rs []byteRange) int64 {
	var n int64
	for _, r := range rs {
		n += r.length
	}
	return n
}

func contentRange(rg byteRange, size int64) string {
	return "bytes " + strconv.FormatInt(rg.start, 10) + "-" + strconv.FormatInt(rg.start+rg.length-1, 10) + "/" + strconv.FormatInt(size, 10)
}

// byteranges lays out a multipart/byteranges body (RFC 9110 §14.6).
func byteranges(h interface{ Set(string, string) }, res *resolved, ranges []byteRange) ([]part, int64) {
	var rb [12]byte
	rand.Read(rb[:])
	boundary := hex.EncodeToString(rb[:])
	h.Set("Content-Type", "multipart/byteranges; boundary="+boundary)
	var parts []part
	var total int64
	lit := func(s string) {
		parts = append(parts, part{lit: []byte(s)})
		total += int64(len(s))
	}
	for i, rg := range ranges {
		sep := "\r\n--"
		if i == 0 {
			sep = "--"
		}
		lit(sep + boundary + "\r\nContent-Type: " + res.ctype + "\r\nContent-Range: " + contentRange(rg, res.size) + "\r\n\r\n")
		parts = append(parts, part{off: rg.start, n: rg.length})
		total += rg.length
	}
	lit("\r\n--" + boundary + "--\r\n")
	return parts, total
}

// precondition evaluates the conditional fields in the order of RFC 9110
// §13.2.2 and returns 412, 304 or 0 to go on.
func precondition(c *Ctx, res *resolved) int {
	hd := &c.R.Header
	get := c.R.Method == "GET" || c.R.Method == "HEAD"
	if v, ok := listField(hd, "If-Match"); ok {
		if !etagListMatch(v, res.etag, true) {
			return 412
		}
	} else if v, ok := hd.Lookup("If-Unmodified-Since"); ok {
		if t, err := http.ParseTime(v); err == nil && res.modTime.Truncate(time.Second).After(t) {
			return 412
		}
	}
	if v, ok := listField(hd, "If-None-Match"); ok {
		if etagListMatch(v, res.etag, false) {
			if get {
				return 304
			}
			return 412
		}
	} else if v, ok := hd.Lookup("If-Modified-Since"); ok && get {
		if t, err := http.ParseTime(v); err == nil && !res.modTime.Truncate(time.Second).After(t) {
			return 304
		}
	}
	return 0
}

// listField returns the lines of a list field joined into one value
// (RFC 9110 §5.3), and whether there was any.
func listField(h *httpserver.Header, name string) (string, bool) {
	v, ok := h.Lookup(name)
	if !ok {
		return "", false
	}
	n := 0
	for line := range h.Values(name) {
		if n++; n > 1 {
			v += ", " + line
		}
	}
	return v, true
}

// ifRange reports whether an If-Range field, if any, lets the Range
// field apply: a strong ETag match or the exact Last-Modified date.
func ifRange(c *Ctx, res *resolved) bool {
	v, ok := c.R.Header.Lookup("If-Range")
	if !ok {
		return true
	}
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, `"`) {
		return v == res.etag
	}
	if strings.HasPrefix(v, "W/") {
		return false
	}
	t, err := http.ParseTime(v)
	return err == nil && t.Equal(res.modTime.Truncate(time.Second))
}

// etagListMatch reports whether an If-Match or If-None-Match value
// ("*" or a list of entity tags) matches etag: strongly (neither may be
// weak) or weakly (the opaque tags are equal). The list is read tag by
// tag, since an entity tag may hold a comma (RFC 9110 §8.8.3); a
// malformed element matches nothing.
func etagListMatch(v, etag string, strong bool) bool {
	v = strings.TrimSpace(v)
	if v == "*" {
		return true
	}
	if rest, weak := strings.CutPrefix(etag, "W/"); weak {
		if strong {
			return false
		}
		etag = rest
	}
	for {
		v = strings.TrimLeft(v, " \t,")
		if v == "" {
			return false
		}
		rest, weak := strings.CutPrefix(v, "W/")
		if !strings.HasPrefix(rest, `"`) {
			i := strings.IndexByte(v, ',')
			if i < 0 {
				return false
			}
			v = v[i+1:]
			continue
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return false
		}
		tag := rest[:end+2]
		v = rest[end+2:]
		if tag == etag && !(weak && strong) {
			return true
		}
	}
}
