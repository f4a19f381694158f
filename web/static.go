package web

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path"
	"strings"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
)

// StaticOptions configures a Static handler. The zero value serves
// index.html for directories, no listings, no dotfiles and no
// precompressed siblings.
type StaticOptions struct {
	// Index is the file served for a directory; "" selects
	// "index.html".
	Index string
	// Listing serves an HTML listing of a directory without an index.
	Listing bool
	// Dotfiles serves names starting with "." (hidden by default: 404).
	Dotfiles bool
	// Precompressed serves "name.br" or "name.gz", when present and
	// accepted by the client's Accept-Encoding, in place of "name",
	// with Content-Encoding and "Vary: Accept-Encoding".
	Precompressed bool
	// ChunkSize is the size of each read from a file (default 64 KiB)
	// when the body is not sent with sendfile.
	ChunkSize int
	// Gzip, when not nil, compresses files on the fly for clients that
	// accept gzip: files of a compressible type (Gzip.Compressible) and
	// at least Gzip.MinSize long, without a precompressed sibling
	// served, to requests without a Range. The body is sent chunked,
	// with "Content-Encoding: gzip", "Vary: Accept-Encoding" and the
	// ETag suffixed with "-gzip"; the file is read and compressed in the
	// worker pool.
	Gzip *GzipOptions
}

// Static serves the files of a directory: GET and HEAD, with MIME types
// by extension, Last-Modified and a strong ETag, the conditional
// requests of RFC 9110 §13 (If-Match, If-None-Match, If-Modified-Since,
// If-Unmodified-Since, If-Range), byte ranges (one, or several as
// multipart/byteranges; 416 with "Content-Range: bytes */size" when none
// is satisfiable; several ranges of a precompressed sibling are
// ignored, the sibling sent whole), precompressed siblings, gzip on the
// fly, a directory index and an optional listing.
//
// Names are resolved through an os.Root: neither "..", percent-encoded
// separators ("%2f") nor symbolic links lead outside the directory.
// Every file-system call runs in the loop's worker pool. A whole file or
// a single range is sent with sendfile (httpserver's SendFile): the
// kernel copies it from the page cache to the socket, and the loop
// touches none of its bytes. Bodies that must be built (gzip on the
// fly, multipart/byteranges) or connections that cannot take sendfile
// (TLS) are read in chunks in the worker pool, each read only once the
// connection has taken the previous one (httpserver's OnWritable), so a
// slow client holds at most a chunk in memory. Static is safe for
// concurrent use.
type Static struct {
	root *os.Root
	opt  StaticOptions
}

// NewStatic returns a handler for the files under dir.
func NewStatic(dir string, opt StaticOptions) (*Static, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	if opt.Index == "" {
		opt.Index = "index.html"
	}
	if opt.ChunkSize <= 0 {
		opt.ChunkSize = 64 << 10
	}
	if opt.Gzip != nil {
		g := *opt.Gzip
		g.fill()
		opt.Gzip = &g
	}
	return &Static{root: r, opt: opt}, nil
}

// Close closes the directory; requests in flight may fail.
func (s *Static) Close() error { return s.root.Close() }

// Serve is the Handler for a route such as "/static/*path": the route's
// last parameter names the file. Without parameters, the whole request
// path does.
func (s *Static) Serve(c *Ctx) {
	rel := c.R.Path
	if n := len(c.params); n > 0 {
		rel = c.params[n-1].Value
	}
	s.serve(c, rel)
}

// ServeHTTP implements httpserver.Handler: the request path names the
// file.
func (s *Static) ServeHTTP(w *httpserver.ResponseWriter, r *httpserver.Request) {
	s.serve(newCtx(w, r), r.Path)
}

// errHidden marks a name that is not served.
var errHidden = errors.New("web: hidden")

// cleanName turns a raw (percent-encoded) path relative to the root into
// a slash-separated name for the os.Root ("." for the root itself), and
// reports whether it named a directory (a trailing slash).
func (s *Static) cleanName(raw string) (name string, dir bool, err error) {
	raw = strings.TrimPrefix(raw, "/")
	dir = raw == "" || strings.HasSuffix(raw, "/")
	var parts []string
	for seg := range strings.SplitSeq(raw, "/") {
		if seg == "" || seg == "." {
			continue
		}
		d, err := pathUnescape(seg)
		if err != nil {
			return "", false, err
		}
		if d == ".." || strings.ContainsAny(d, "/\\\x00") {
			return "", false, errHidden
		}
		if d[0] == '.' && !s.opt.Dotfiles {
			return "", false, errHidden
		}
		parts = append(parts, d)
	}
	if len(parts) == 0 {
		return ".", true, nil
	}
	name = strings.Join(parts, "/")
	if !fs.ValidPath(name) {
		return "", false, errHidden
	}
	return name, dir, nil
}

// serve answers c for the raw relative path rel.
func (s *Static) serve(c *Ctx, rel string) {
	w, r := c.W, c.R
	if r.Method != "GET" && r.Method != "HEAD" {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		if r.Method == "OPTIONS" {
			w.WriteHeader(204)
			return
		}
		c.Text(405, "405 method not allowed\n")
		return
	}
	name, isDir, err := s.cleanName(rel)
	if err != nil {
		c.Text(404, "404 page not found\n")
		return
	}
	if isDir && !strings.HasSuffix(r.Path, "/") {
		// "/files" routed to "/files/*path": the root directory,
		// redirected to "/files/" so that relative links work.
		isDir = false
	}
	accept, _ := listField(&r.Header, "Accept-Encoding")
	w.Async()
	eddy.WorkOwned(r.Loop(), func() (*resolved, error) {
		return s.resolve(name, isDir, accept)
	}, func(res *resolved, err error) {
		if w.Ended() { // the connection went away meanwhile
			closeResolved(res)
			w.End()
			return
		}
		s.answer(c, res, err)
	}, closeResolved) // the loop stopped meanwhile
}

// closeResolved closes the file of a resolved request nobody will answer.
func closeResolved(res *resolved) {
	if res != nil && res.f != nil {
		res.f.Close()
	}
}

// pathUnescape decodes one path segment.
func pathUnescape(seg string) (string, error) {
	if strings.IndexByte(seg, '%') < 0 {
		return seg, nil
	}
	d, err := url.PathUnescape(seg)
	if err != nil {
		return "", errHidden
	}
	if d == "" {
		return "", errHidden
	}
	return d, nil
}

// cleanRedirect returns the path p, cleaned, with a trailing slash
// added (the caller appends the query).
func cleanRedirect(p string) string {
	if strings.HasPrefix(p, "//") {
		// Never redirect to a scheme-relative URL.
		p = "/" + strings.TrimLeft(p, "/")
	}
	return path.Clean(p) + "/"
}
