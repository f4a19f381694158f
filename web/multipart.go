package web

import (
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

func (o *MultipartOptions) fill() {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 32 << 20
	}
	if o.MemoryBytes <= 0 {
		o.MemoryBytes = 256 << 10
	}
	if o.MaxParts <= 0 {
		o.MaxParts = 1000
	}
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
	// Filename is the name the client gave, reduced to its last element
	// (see Part.FileName).
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

// spillChunk is how much of a spilled part is gathered before a write.
const spillChunk = 64 << 10

// ReadMultipart reads a multipart/form-data body and calls fn on the loop
// with the form, or with an error: ErrContentType (415) for another
// media type (multipart/mixed included), a 413 past MaxBytes or
// MaxParts, or a 400 matching ErrMultipart for a malformed body. Parts
// that are not form fields, those without a "form-data"
// Content-Disposition with a name (RFC 7578 §4.2), are skipped, as
// mime/multipart does; they count towards MaxParts. The body is streamed
// (StreamMultipart), not buffered whole: form values and small files
// are kept in memory, and a file part longer than MemoryBytes is
// written to a file in TempDir, in the worker pool, the body paused
// while a write runs. Those files are removed, off the loop, when the
// response ends (or at once if reading fails). fn may keep the response
// open (httpserver.Wait) to deal with them. Loop-only.
func (c *Ctx) ReadMultipart(opt MultipartOptions, fn func(f *Form, err error)) {
	opt.fill()
	fr := &formReader{c: c, opt: opt, form: &Form{Values: url.Values{}, Files: map[string][]*FilePart{}}}
	fr.mr = c.streamMultipart(opt, MultipartStream{Part: fr.part, Data: fr.data, PartEnd: fr.partEnd}, func(err error) {
		f := fr.form
		if err == nil {
			err = fr.err
		}
		if err != nil {
			fr.discard()
			fn(nil, err)
			return
		}
		c.W.OnEnd(func() { removeSpilled(c, f) })
		fn(f, nil)
	}, true)
}

// formReader gathers a Form from a MultipartStream.
type formReader struct {
	c     *Ctx
	opt   MultipartOptions
	mr    *MultipartReader
	form  *Form
	value []byte    // the current value part
	fp    *FilePart // the current file part, or nil
	file  *os.File  // its spill file, once open
	chunk []byte    // bytes of the file part waiting to be written
	skip  bool      // the current part is not a form field
	err   error     // a spill failure
	dead  bool      // the form failed: files still being written are removed
}

func (fr *formReader) part(p *Part) error {
	fr.value = fr.value[:0]
	// A form field is a form-data part with a name (RFC 7578 §4.2);
	// others are skipped, as mime/multipart's ReadForm does.
	fr.skip = !p.formData || p.FormName == ""
	if fr.skip {
		fr.fp = nil
		return nil
	}
	if p.FileName == "" {
		fr.fp = nil
		return nil
	}
	fr.fp = &FilePart{Field: p.FormName, Filename: p.FileName, ContentType: p.ContentType}
	fr.form.Files[p.FormName] = append(fr.form.Files[p.FormName], fr.fp)
	return nil
}

func (fr *formReader) data(p *Part, b []byte) error {
	if fr.err != nil {
		return fr.err
	}
	if fr.skip {
		return nil
	}
	if fr.fp == nil {
		fr.value = append(fr.value, b...)
		return nil
	}
	fr.chunk = append(fr.chunk, b...)
	if fr.fp.path == "" && int64(len(fr.chunk)) <= fr.opt.MemoryBytes {
		return nil
	}
	if len(fr.chunk) >= spillChunk || fr.fp.path == "" {
		fr.spill(false)
	}
	return nil
}

func (fr *formReader) partEnd(p *Part) error {
	if fr.err != nil {
		return fr.err
	}
	if fr.skip {
		return nil
	}
	if fr.fp == nil {
		fr.form.Values.Add(p.FormName, string(fr.value))
		return nil
	}
	fr.fp.Size = p.Size
	if fr.fp.path == "" {
		fr.fp.data = fr.chunk
		fr.chunk = nil
		fr.fp = nil
		return nil
	}
	fr.spill(true)
	return nil
}

// spill writes the gathered chunk to the part's temporary file in the
// worker pool (creating it first, and closing it with last), with the
// body paused meanwhile. The result is taken through httpserver.Wait,
// which holds the response open and runs what follows (the rest of the
// body, and so the callbacks and ReadMultipart's fn) under the
// response's panic guard, as handler code.
func (fr *formReader) spill(last bool) {
	fp, f, chunk, dir := fr.fp, fr.file, fr.chunk, fr.opt.TempDir
	fr.chunk = nil
	if fp.path == "" {
		fp.path = "-" // being created
	}
	if last {
		fr.fp, fr.file = nil, nil
	}
	fr.mr.Pause()
	loop := fr.c.R.Loop()
	done, p := future.New[spillResult](loop)
	eddy.WorkOwned(loop, func() (spillResult, error) {
		var err error
		if f == nil {
			if f, err = os.CreateTemp(dir, "eddy-upload-"); err != nil {
				return spillResult{err: err}, nil
			}
		}
		if _, err = f.Write(chunk); err == nil && last {
			err = f.Close()
		}
		if err != nil {
			f.Close()
		}
		return spillResult{f, err}, nil
	}, func(r spillResult, _ error) {
		if !p.Resolve(r) && r.f != nil {
			// The wait was cancelled (the connection went away):
			// nothing will take the file.
			dropFile(loop, r.f)
		}
	}, func(r spillResult) { // the loop stopped meanwhile
		if r.f != nil {
			r.f.Close()
			os.Remove(r.f.Name())
		}
	})
	httpserver.Wait(fr.c.W, done, func(r spillResult, err error) {
		if err != nil {
			// Cancelled: the connection went away. The reader
			// fails, and the form's files go with it.
			fr.mr.finish(err)
			return
		}
		if fr.dead {
			// The form was given up meanwhile.
			if r.f != nil {
				dropFile(loop, r.f)
			}
			return
		}
		if r.f != nil {
			fp.path = r.f.Name()
			if !last {
				fr.file = r.f
			}
		}
		if r.err != nil && fr.err == nil {
			fr.err = &HTTPError{Code: 500, Message: "cannot store upload", Err: r.err}
		}
		fr.mr.Resume()
	})
}

// spillResult is the outcome of one spill: the file, once created, and
// the error that stopped it.
type spillResult struct {
	f   *os.File
	err error
}

// dropFile closes and removes a spill file nobody will take, in the
// worker pool.
func dropFile(loop *eddy.Loop, f *os.File) {
	eddy.Work(loop, func() (struct{}, error) {
		f.Close()
		return struct{}{}, os.Remove(f.Name())
	}, func(struct{}, error) {})
}

// discard removes the spilled files of a form that failed.
func (fr *formReader) discard() {
	f, file := fr.form, fr.file
	fr.file = nil
	fr.dead = true
	if file != nil {
		eddy.Work(fr.c.R.Loop(), func() (struct{}, error) { return struct{}{}, file.Close() }, func(struct{}, error) {})
	}
	removeSpilled(fr.c, f)
}

// removeSpilled deletes a form's temporary files in the worker pool.
func removeSpilled(c *Ctx, f *Form) {
	var paths []string
	for _, ps := range f.Files {
		for _, p := range ps {
			if p.path != "" && p.path != "-" {
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
