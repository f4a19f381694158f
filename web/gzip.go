package web

import (
	"compress/gzip"
	"io"
	"strings"
	"sync"

	"github.com/eddy-go/eddy/httpserver"
)

// GzipOptions configures the Gzip middleware and Static's compression
// on the fly. The zero value selects the defaults.
type GzipOptions struct {
	// Level is the compress/gzip level; 0 selects
	// gzip.DefaultCompression. Levels outside gzip.HuffmanOnly to
	// gzip.BestCompression select the default.
	Level int
	// MinSize is the body size below which a response is sent as it is
	// (default 1024 bytes); a streamed response is compressed from its
	// first Flush.
	MinSize int
	// Compressible reports whether a Content-Type is worth compressing;
	// nil selects text, JSON, JavaScript, XML, SVG and the like.
	Compressible func(contentType string) bool
}

func (o *GzipOptions) fill() {
	if o.Level == 0 || o.Level < gzip.HuffmanOnly || o.Level > gzip.BestCompression {
		o.Level = gzip.DefaultCompression
	}
	if o.MinSize <= 0 {
		o.MinSize = 1024
	}
	if o.Compressible == nil {
		o.Compressible = compressible
	}
}

// gzipPools keeps gzip writers by level (HuffmanOnly is -2).
var gzipPools [gzip.BestCompression + 3]sync.Pool

// getGzip returns a pooled writer of the level, writing to dst.
func getGzip(level int, dst io.Writer) *gzip.Writer {
	p := &gzipPools[level+2]
	if zw, ok := p.Get().(*gzip.Writer); ok {
		zw.Reset(dst)
		return zw
	}
	zw, _ := gzip.NewWriterLevel(dst, level)
	return zw
}

func putGzip(level int, zw *gzip.Writer) {
	zw.Reset(nil)
	gzipPools[level+2].Put(zw)
}

// emitWriter is an io.Writer over a filter's emit function.
type emitWriter struct{ f *gzipFilter }

func (e emitWriter) Write(p []byte) (int, error) {
	e.f.emit(p)
	return len(p), nil
}

// Gzip returns middleware that compresses responses with gzip, on the
// fly, when the client accepts it (Accept-Encoding, with q-values,
// "identity;q=0" and "*"): responses of status 200 to 203 whose
// Content-Type is compressible, that carry no Content-Encoding and no
// "Cache-Control: no-transform", to requests without a Range, and at
// least MinSize long (or streamed). A compressed response gets
// "Content-Encoding: gzip", its strong ETag suffixed with "-gzip" (so
// that caches keep the encodings apart), no Accept-Ranges, and a
// Content-Length only when the whole compressed body fits the server's
// buffer (chunked otherwise). Every response of status 200 to 203 whose
// type is compressible gets "Vary: Accept-Encoding", whether or not this
// one was compressed, and so does the 304 of such a response (RFC 9110
// §15.4.5): one that has a compressible Content-Type, or that Static
// sends for a file of such a type.
//
// So that conditional requests still work, a "-gzip" tag in the
// If-None-Match of a client that accepts gzip is shown to the handler
// together with the tag it was made from, and a 304 that validates it
// gets the "-gzip" tag back; so is one in the If-Match of any request,
// so that a change guarded by the tag a GET returned is not refused.
//
// Compression runs on the loop, streaming, with pooled writers: a
// handler's Write is compressed as it comes, and Flush sends what has
// been compressed so far. Static files are better compressed by
// StaticOptions.Gzip, which does it in the worker pool.
func Gzip(opt GzipOptions) Middleware {
	opt.fill()
	return func(next Handler) Handler {
		return func(c *Ctx) {
			// Static answers its 304s without a Content-Type: it
			// looks here to give them the Vary of their 200s.
			c.gzip = &opt
			// An If-Match guards the resource's state, which the
			// "-gzip" tag names as well as the handler's own: a
			// PUT with the tag its client got from a GET must not
			// fail, whatever Accept-Encoding it sends.
			if c.R.Header.Has("If-Match") {
				addBaseTags(c.R, "If-Match")
			}
			ae, ok := listField(&c.R.Header, "Accept-Encoding")
			may, must := wantGzip(ae, ok)
			if may && c.R.Method != "OPTIONS" && c.R.Method != "CONNECT" {
				f := &gzipFilter{w: c.W, opt: &opt, must: must, hasRange: c.R.Header.Has("Range"), head: c.R.Method == "HEAD"}
				f.revalidate(c.R)
				c.W.SetBodyFilter(f)
			} else {
				// Another client could take gzip: the response
				// still varies with Accept-Encoding.
				c.W.SetBodyFilter(&varyFilter{w: c.W, opt: &opt})
			}
			next(c)
		}
	}
}

// gzipFilter is the httpserver.BodyFilter of the Gzip middleware.
type gzipFilter struct {
	w        *httpserver.ResponseWriter
	opt      *GzipOptions
	must     bool // identity refused
	hasRange bool
	head     bool   // a response to HEAD
	inm      string // the request's If-None-Match, when it held "-gzip" tags
	held     []byte
	zw       *gzip.Writer
	out      func([]byte)
}

func (f *gzipFilter) emit(p []byte) { f.out(p) }

// revalidate lets a handler, which knows only its own entity tags, see
// a match for the "-gzip" tags this filter gave its compressed
// responses: each such tag in the If-None-Match of a GET or HEAD is
// followed by the tag it was made from. The original value is kept, so
// that a 304 gets back the tag the client holds.
func (f *gzipFilter) revalidate(r *httpserver.Request) {
	if r.Method != "GET" && r.Method != "HEAD" {
		return
	}
	if v, ok := addBaseTags(r, "If-None-Match"); ok {
		f.inm = v
	}
}

// addBaseTags follows each "-gzip" tag in the list field name of r with
// the tag it was made from, and returns the field's original value and
// whether it changed it.
func addBaseTags(r *httpserver.Request, name string) (string, bool) {
	v, ok := listField(&r.Header, name)
	if !ok {
		return "", false
	}
	var extra []string
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		weak := ""
		if strings.HasPrefix(item, "W/") {
			weak, item = "W/", item[2:]
		}
		if id, ok := strings.CutSuffix(item, `-gzip"`); ok && len(id) > 0 && id[0] == '"' {
			extra = append(extra, weak+id+`"`)
		}
	}
	if len(extra) == 0 {
		return "", false
	}
	r.Header.Set(name, v+", "+strings.Join(extra, ", "))
	return v, true
}

// decide chooses, before the first byte goes out, between compressing
// and passing through; final means the whole body is held.
func (f *gzipFilter) decide(final bool) {
	h := f.w.Header()
	if f.inm != "" && f.w.Status() == 304 {
		// A 304 that validates the compressed response the client
		// holds carries that response's tag and Vary.
		if et, has := h.Lookup("ETag"); has && etagListMatch(f.inm, gzipETag(et), false) {
			h.Set("ETag", gzipETag(et))
			addVary(h, "Accept-Encoding")
		}
	}
	ok := f.eligible(h)
	// A response to HEAD whose handler wrote no body (as Static does)
	// is judged by its Content-Length: its head must be a GET's.
	bare := final && f.head && len(f.held) == 0
	if ok && !f.must {
		cl, has := h.Lookup("Content-Length")
		n := -1
		if has && len(cl) < 12 {
			n = atoiOr(cl, -1)
		}
		if n >= 0 && n < f.opt.MinSize {
			ok = false
		}
		if final && len(f.held) < f.opt.MinSize && !(bare && n >= f.opt.MinSize) {
			ok = false
		}
	}
	if !ok {
		held := f.held
		f.held = nil
		f.w.SetBodyFilter(nil)
		if len(held) > 0 {
			f.out(held)
		}
		return
	}
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	h.Set("Content-Encoding", "gzip")
	if et, has := h.Lookup("ETag"); has {
		h.Set("ETag", gzipETag(et))
	}
	if bare {
		// Nothing to compress, and the compressed length is unknown:
		// the head goes out chunked, as a long GET body's would.
		f.w.Flush()
		return
	}
	f.zw = getGzip(f.opt.Level, emitWriter{f})
	if len(f.held) > 0 {
		f.zw.Write(f.held)
	}
	f.held = nil
}

// eligible applies the rules that do not depend on size, and adds Vary
// to a response whose type is compressible (see varies).
func (f *gzipFilter) eligible(h *httpserver.Header) bool {
	if !varies(f.opt, f.w.Status(), h) {
		return false
	}
	if f.w.Status() == 304 {
		return false
	}
	if f.hasRange || h.Has("Content-Encoding") || h.Has("Content-Range") {
		return false
	}
	for v := range h.Values("Cache-Control") {
		if strings.Contains(strings.ToLower(v), "no-transform") {
			return false
		}
	}
	return true
}

// Write implements httpserver.BodyFilter.
func (f *gzipFilter) Write(p []byte, emit func([]byte)) {
	f.out = emit
	if f.zw != nil {
		f.zw.Write(p)
		return
	}
	f.held = append(f.held, p...)
	if len(f.held) >= f.opt.MinSize {
		f.decide(false)
	}
}

// Flush implements httpserver.BodyFilter.
func (f *gzipFilter) Flush(emit func([]byte)) {
	f.out = emit
	if f.zw == nil {
		f.decide(false)
	}
	if f.zw != nil {
		f.zw.Flush()
	}
}

// Close implements httpserver.BodyFilter.
func (f *gzipFilter) Close(emit func([]byte)) {
	f.out = emit
	if f.zw == nil {
		f.decide(true)
	}
	if zw := f.zw; zw != nil {
		f.zw = nil
		zw.Close()
		putGzip(f.opt.Level, zw)
	}
}

// varyFilter only adds "Vary: Accept-Encoding" to a compressible
// response sent to a client that did not accept gzip this time, then
// gets out of the way.
type varyFilter struct {
	w   *httpserver.ResponseWriter
	opt *GzipOptions
}

func (f *varyFilter) pass() {
	varies(f.opt, f.w.Status(), f.w.Header())
	f.w.SetBodyFilter(nil)
}

// varies adds "Vary: Accept-Encoding" to a response the middleware
// would compress for some client, and reports whether it did: a status
// it compresses (200 to 203) with a compressible Content-Type, or a 304
// that carries such a type (the 304 of such a 200). Both filters judge
// by it, so that a response varies alike whatever this client accepts.
func varies(opt *GzipOptions, st int, h *httpserver.Header) bool {
	if (st < 200 || st > 203) && st != 304 {
		return false
	}
	if !opt.Compressible(h.Get("Content-Type")) {
		return false
	}
	addVary(h, "Accept-Encoding")
	return true
}

func (f *varyFilter) Write(p []byte, emit func([]byte)) { f.pass(); emit(p) }
func (f *varyFilter) Flush(emit func([]byte))           { f.pass() }
func (f *varyFilter) Close(emit func([]byte))           { f.pass() }

// atoiOr parses a small non-negative decimal, or returns def.
func atoiOr(s string, def int) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return def
		}
		n = n*10 + int(c-'0')
	}
	if s == "" {
		return def
	}
	return n
}
