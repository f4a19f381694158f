package main

import (
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
)

// maxFile bounds the files the minimal file handler serves: it reads a
// file whole, in the worker pool. (Streaming, Range and ETag come with
// the web layer's static handler.)
const maxFile = 64 << 20

// fileHandler serves the files under a directory, for GET and HEAD.
// Paths are decoded and cleaned, and opened through an os.Root, so that
// neither "..", encoded separators nor symlinks lead outside the root.
type fileHandler struct {
	root *os.Root
}

func newFileHandler(dir string) (*fileHandler, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &fileHandler{root: r}, nil
}

func (f *fileHandler) close() { f.root.Close() }

// file is what the worker pool found.
type file struct {
	data  []byte
	ctype string
}

var (
	errNotFound = errors.New("not found")
	errTooLarge = errors.New("file too large")
)

// cleanPath turns a request path into a name relative to the root, or
// reports false for one that must not be served.
func cleanPath(raw string) (string, bool) {
	p, err := url.PathUnescape(raw)
	if err != nil || strings.ContainsAny(p, "\\\x00") {
		return "", false
	}
	p = path.Clean("/" + p)
	if strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	name := strings.TrimPrefix(p, "/")
	if name == "" {
		name = "index.html"
	}
	if !fs.ValidPath(name) {
		return "", false
	}
	return filepath.FromSlash(name), true
}

func (f *fileHandler) ServeHTTP(w *httpserver.ResponseWriter, r *httpserver.Request) {
	if r.Method != "GET" && r.Method != "HEAD" {
		w.Header().Set("Allow", "GET, HEAD")
		w.WriteHeader(405)
		return
	}
	name, ok := cleanPath(r.Path)
	if !ok {
		w.WriteHeader(400)
		return
	}
	w.Async()
	eddy.Work(r.Loop(), func() (file, error) { return f.read(name) }, func(fl file, err error) {
		defer w.End()
		switch {
		case errors.Is(err, errNotFound):
			w.WriteHeader(404)
			w.WriteString("not found\n")
		case errors.Is(err, errTooLarge):
			w.WriteHeader(500)
			w.WriteString("file too large for this server\n")
		case err != nil:
			w.WriteHeader(500)
		default:
			w.Header().Set("Content-Type", fl.ctype)
			w.Header().Set("Content-Length", strconv.Itoa(len(fl.data)))
			w.Write(fl.data)
		}
	})
}

// read runs in the worker pool.
func (f *fileHandler) read(name string) (file, error) {
	fh, err := f.root.Open(name)
	if err != nil {
		return file{}, errNotFound
	}
	defer func() { fh.Close() }()
	st, err := fh.Stat()
	if err != nil {
		return file{}, err
	}
	if st.IsDir() {
		fh.Close()
		name = filepath.Join(name, "index.html")
		if fh, err = f.root.Open(name); err != nil {
			return file{}, errNotFound
		}
		if st, err = fh.Stat(); err != nil || !st.Mode().IsRegular() {
			return file{}, errNotFound
		}
	}
	if !st.Mode().IsRegular() {
		return file{}, errNotFound
	}
	if st.Size() > maxFile {
		return file{}, errTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxFile+1))
	if err != nil {
		return file{}, err
	}
	ctype := mime.TypeByExtension(filepath.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	return file{data: data, ctype: ctype}, nil
}
