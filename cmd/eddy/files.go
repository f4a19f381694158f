package main

import "github.com/eddy-go/eddy/web"

// fileHandler serves the files under a directory with the web layer's
// static handler: GET and HEAD, ETag and Last-Modified with conditional
// requests, ranges, precompressed .br/.gz siblings, gzip on the fly for
// compressible files of 1 KiB or more, index.html for directories, and
// names resolved through an os.Root, so that neither "..", encoded
// separators nor symlinks lead outside the root. Bodies go out with
// sendfile; compressed ones are streamed from the worker pool.
type fileHandler struct {
	*web.Static
}

func newFileHandler(dir string) (*fileHandler, error) {
	s, err := web.NewStatic(dir, web.StaticOptions{Precompressed: true, Gzip: &web.GzipOptions{}})
	if err != nil {
		return nil, err
	}
	return &fileHandler{Static: s}, nil
}

func (f *fileHandler) close() { f.Static.Close() }
