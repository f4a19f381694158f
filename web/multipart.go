package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"os"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpserver"
)

// MultipartOptions bounds ReadMultipart. Zero fields select the
// defaults.
type MultipartOptions struct {
	// MaxBytes bounds the whole body (default 32 MiB; 413 beyond).
	MaxBytes int64
	// MemoryBytes is the size above which a file part is written to a
	// temporary file instead of kept in memory (default 256 KiB).
	MemoryBytes int64
	// MaxParts bounds the number of parts (default 1000; 413 beyond).
	MaxParts int
	// TempDir is where file parts spill (default os.TempDir()).
	TempDir string
}

// Form is a parsed multipart/form-data body.
type Form struct {
	// Values holds the non-file fields.
	Values url.Values
	// Files holds the file parts by field name.
	Files map[string][]*FilePart
}

// FilePart is an uploaded file: in memory, or in a temporary file that
// is removed when the response ends.
type FilePart struct {
	// Field is the form field name.
	Field string
	// Filename is the name the client gave.
	Filename string
	// ContentType is the part's Content-Type.
	ContentType string
	// Size is the length of the content.
	Size int64

	data []byte
	path string
}

// Bytes returns the content of a part kept in memory, or nil if it was
// spilled to disk.
func (p *FilePart) Bytes() []byte { return p.data }

// Path returns the temporary file holding a spilled part, or "". The
// file is removed when the response ends: move or copy it before (in
// the worker pool, since file operations block).
func (p *FilePart) Path() string { return p.path }

// errTooManyParts reports a body beyond MaxParts.
var errTooManyParts = &HTTPError{Code: 413, Message: "too many parts"}

// ReadMultipart reads a multipart/form-data body and calls fn on the loop
// with the form, or with an error: ErrContentType (415) for another
// media type, httpserver.ErrBodyTooLarge past MaxBytes, or a parse
// error (400). The body is read with httpserver's ReadBody, then parsed
// in the worker pool, where file parts larger than MemoryBytes are
// written to TempDir; those files are removed, off the loop, when the
// response ends, or at once if the connection has closed meanwhile.
// fn may keep the response open (httpserver.Wait) to deal with them.
// Loop-only.
func (c *Ctx) ReadMultipart(opt MultipartOptions, fn func(f *Form, err error)) {
	mt, params, err := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		fn(nil, &HTTPError{Code: 415, Err: ErrContentType})
		return
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = 32 << 20
	}
	if opt.MemoryBytes <= 0 {
		opt.MemoryBytes = 256 << 10
	}
	if opt.MaxParts <= 0 {
		opt.MaxParts = 1000
	}
	boundary := params["boundary"]
	c.R.ReadBody(opt.MaxBytes, func(body []byte, err error) {
		if err != nil {
			fn(nil, err)
			return
		}
		w := c.W
		res, p := future.New[*Form](c.R.Loop())
		eddy.Work(c.R.Loop(), func() (*Form, error) {
			return parseMultipart(body, boundary, opt)
		}, func(f *Form, err error) {
			if !p.Settle(f, err) && f != nil {
				// Nobody waits any more: the connection closed.
				removeSpilled(c, f)
			}
		})
		httpserver.Wait(w, res, func(f *Form, err error) {
			if f != nil {
				w.OnEnd(func() { removeSpilled(c, f) })
			}
			fn(f, err)
		})
	})
}

// removeSpilled deletes a form's temporary files in the worker pool.
func removeSpilled(c *Ctx, f *Form) {
	var paths []string
	for _, ps := range f.Files {
		for _, p := range ps {
			if p.path != "" {
				paths = append(paths, p.path)
			}
		}
	}
	if len(paths) == 0 {
		return
	}
	eddy.Work(c.R.Loop(), func() (struct{}, error) {
		for _, p := range paths {
			os.Remove(p)
		}
		return struct{}{}, nil
	}, func(struct{}, error) {})
}

// parseMultipart runs in the worker pool.
func parseMultipart(body []byte, boundary string, opt MultipartOptions) (f *Form, err error) {
	f = &Form{Values: url.Values{}, Files: map[string][]*FilePart{}}
	defer func() {
		if err != nil {
			removeAll(f)
			f = nil
		}
	}()
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return f, &HTTPError{Code: 400, Message: "bad multipart body", Err: err}
		}
		if n >= opt.MaxParts {
			return f, errTooManyParts
		}
		name := p.FormName()
		if p.FileName() == "" {
			var b bytes.Buffer
			if _, err := io.Copy(&b, p); err != nil {
				return f, &HTTPError{Code: 400, Message: "bad multipart body", Err: err}
			}
			f.Values.Add(name, b.String())
			continue
		}
		fp := &FilePart{Field: name, Filename: p.FileName(), ContentType: p.Header.Get("Content-Type")}
		f.Files[name] = append(f.Files[name], fp)
		var b bytes.Buffer
		k, err := io.CopyN(&b, p, opt.MemoryBytes+1)
		if err != nil && !errors.Is(err, io.EOF) {
			return f, &HTTPError{Code: 400, Message: "bad multipart body", Err: err}
		}
		if k <= opt.MemoryBytes {
			fp.data, fp.Size = b.Bytes(), k
			continue
		}
		tf, err := os.CreateTemp(opt.TempDir, "eddy-upload-")
		if err != nil {
			return f, err
		}
		fp.path = tf.Name()
		m, err := io.Copy(tf, io.MultiReader(&b, p))
		if cerr := tf.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return f, &HTTPError{Code: 400, Message: "bad multipart body", Err: err}
		}
		fp.Size = m
	}
}

// removeAll deletes every spilled file of f (worker pool).
func removeAll(f *Form) {
	for _, ps := range f.Files {
		for _, p := range ps {
			if p.path != "" {
				os.Remove(p.path)
			}
		}
	}
}
