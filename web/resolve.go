package web

import (
	"html"
	"io/fs"
	"mime"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// resolved is what the worker pool found for a request: an open file
// with its metadata, a listing, or a redirect.
type resolved struct {
	f        *os.File
	size     int64
	modTime  time.Time
	etag     string
	ctype    string
	encoding string // "br", "gzip" or ""
	vary     bool
	listing  []byte
	redirect bool // to the path with a trailing slash
}

// resolve runs in the worker pool: it stats and opens name.
func (s *Static) resolve(name string, isDir bool, accept string) (*resolved, error) {
	if !isDir && !s.opt.Precompressed {
		// The common case, a file by its own name, opened at once and
		// then checked (one open and one fstat instead of a stat, an
		// open and an fstat).
		f, err := s.root.OpenFile(name, openFlags, 0)
		if err != nil {
			return nil, err
		}
		info, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		if info.Mode().IsRegular() {
			return s.describe(&resolved{ctype: contentType(name)}, f, info), nil
		}
		f.Close()
		if info.IsDir() {
			return &resolved{redirect: true}, nil
		}
		return nil, fs.ErrNotExist
	}
	info, err := s.root.Stat(name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		if !isDir {
			return &resolved{redirect: true}, nil
		}
		idx := path.Join(name, s.opt.Index)
		if ii, err := s.root.Stat(idx); err == nil && ii.Mode().IsRegular() {
			return s.openFile(idx, accept)
		}
		if !s.opt.Listing {
			return nil, fs.ErrNotExist
		}
		return s.list(name)
	}
	if isDir || !info.Mode().IsRegular() {
		return nil, fs.ErrNotExist
	}
	return s.openFile(name, accept)
}

// openFile opens a regular file, or its precompressed sibling.
func (s *Static) openFile(name, accept string) (*resolved, error) {
	res := &resolved{ctype: contentType(name), vary: s.opt.Precompressed}
	open := name
	if s.opt.Precompressed {
		// The sibling the client weighs highest, br on a tie.
		best := 0.0
		for _, enc := range [...]struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
			q := codingQ(accept, true, enc.token)
			if q <= best {
				continue
			}
			if si, err := s.root.Stat(name + enc.ext); err == nil && si.Mode().IsRegular() {
				open, res.encoding, best = name+enc.ext, enc.token, q
			}
		}
	}
	f, err := s.root.Open(open)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fs.ErrNotExist
		}
		return nil, err
	}
	return s.describe(res, f, info), nil
}

// describe fills res in for f, an open regular file, and its info.
func (s *Static) describe(res *resolved, f *os.File, info fs.FileInfo) *resolved {
	res.f, res.size, res.modTime = f, info.Size(), info.ModTime()
	tag := strconv.FormatInt(info.Size(), 16) + "-" + strconv.FormatInt(info.ModTime().UnixNano(), 16)
	if ino := inode(info); ino != 0 {
		tag += "-" + strconv.FormatUint(ino, 16)
	}
	if res.encoding != "" {
		tag += "-" + res.encoding
	}
	res.etag = `"` + tag + `"`
	return res
}

// list builds the HTML listing of a directory.
func (s *Static) list(name string) (*resolved, error) {
	d, err := s.root.Open(name)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	ents, err := d.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	var b strings.Builder
	b.WriteString("<!doctype html>\n<meta charset=\"utf-8\">\n<title>Index</title>\n<ul>\n")
	for _, e := range ents {
		n := e.Name()
		if n[0] == '.' && !s.opt.Dotfiles {
			continue
		}
		if e.IsDir() {
			n += "/"
		}
		u := url.URL{Path: n}
		b.WriteString(`<li><a href="./` + html.EscapeString(u.EscapedPath()) + `">` + html.EscapeString(n) + "</a></li>\n")
	}
	b.WriteString("</ul>\n")
	return &resolved{listing: []byte(b.String()), ctype: "text/html; charset=utf-8"}, nil
}

// contentType returns the MIME type for name's extension.
func contentType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
