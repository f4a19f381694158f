package fsx

import (
	"io"
	"io/fs"
	"os"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
)

// Stat returns information about name, following symbolic links.
// Loop-only.
func Stat(l *eddy.Loop, name string) *future.Future[fs.FileInfo] { return be.stat(l, name, true) }

// Lstat returns information about name without following a final
// symbolic link. Loop-only.
func Lstat(l *eddy.Loop, name string) *future.Future[fs.FileInfo] { return be.stat(l, name, false) }

// ReadDir returns the entries of directory name, sorted by name.
// Loop-only.
func ReadDir(l *eddy.Loop, name string) *future.Future[[]fs.DirEntry] { return be.readDir(l, name) }

// Rename renames (moves) from to to. Loop-only.
func Rename(l *eddy.Loop, from, to string) *future.Future[struct{}] { return be.rename(l, from, to) }

// Remove removes a file or an empty directory. Loop-only.
func Remove(l *eddy.Loop, name string) *future.Future[struct{}] { return be.remove(l, name, false) }

// RemoveAll removes name and everything it contains; a missing name is
// not an error. Loop-only.
func RemoveAll(l *eddy.Loop, name string) *future.Future[struct{}] {
	return be.remove(l, name, true)
}

// Mkdir creates a directory. Loop-only.
func Mkdir(l *eddy.Loop, name string, perm fs.FileMode) *future.Future[struct{}] {
	return be.mkdir(l, name, perm, false)
}

// MkdirAll creates a directory and any missing parents. Loop-only.
func MkdirAll(l *eddy.Loop, name string, perm fs.FileMode) *future.Future[struct{}] {
	return be.mkdir(l, name, perm, true)
}

// ReadFile reads the whole of name: open, read and close, one operation
// after another, each off the loop. Cancelling the future stops the
// reading after the read in flight, and closes the file; so does the loop
// stopping. As with Open, a named pipe, a socket or a device is refused
// with an *fs.PathError matching ErrNotRegular. Loop-only.
func ReadFile(l *eddy.Loop, name string) *future.Future[[]byte] {
	return withFile(l, name, os.O_RDONLY, 0, func(f *File, p *future.Promise[[]byte]) {
		r := &fileReader{f: f, p: p}
		r.release = r.closeLost
		if n := f.size; n > 0 && n <= maxPresize {
			// Sized by the open's fstat, as os.ReadFile does: one
			// buffer, with room to find the end in the same read, where
			// growing from 64 KiB copied a large file several times and
			// gave a small one 64 KiB.
			r.buf = make([]byte, 0, int(n)+512)
		}
		r.next()
	})
}

// withFile opens name for a function of this package that closes the
// file itself, and hands it to use with the promise of the result. As
// with Open, name must be a regular file: anything else but a directory
// is refused with ErrNotRegular, without waiting on a named pipe. The
// file reaches use, or is closed, however the result is cancelled: a
// step after the open (ThenFuture) would be skipped by a cancel that came
// once the file was open, leaving it open.
func withFile[T any](l *eddy.Loop, name string, flag int, perm fs.FileMode, use func(f *File, p *future.Promise[T])) *future.Future[T] {
	res, p := future.New[T](l)
	open := be.open(l, name, flag, perm, true)
	p.OnCancel(func(err error) { open.Cancel(err) }) // closes a file still opening
	open.OnSettle(func(f *File, err error) {
		switch {
		case err != nil:
			p.Reject(err)
		case res.Done(): // cancelled once the file was open
			f.Close().OnSettle(func(struct{}, error) {}) // nobody to tell of a failure
		default:
			use(f, p)
		}
	})
	return res
}

// fileReader reads a file to its end, chunk by chunk.
type fileReader struct {
	f       *File
	buf     []byte
	p       *future.Promise[[]byte]
	release func(ioResult) // r.closeLost, made once and shared by every step
}

// closeLost closes the file when the loop stopped with a read in flight:
// the read's callback, which would have gone on or closed the file, will
// never run.
func (r *fileReader) closeLost(ioResult) { r.f.f.Close() }

// maxPresize bounds the buffer ReadFile makes from the size the file had
// when opened; a larger file's buffer grows as it is read.
const maxPresize = 1 << 30

// maxReadStep bounds the length of one read of ReadFile.
const maxReadStep = 4 << 20

func (r *fileReader) next() {
	if cap(r.buf)-len(r.buf) < 512 {
		grown := make([]byte, len(r.buf), 2*cap(r.buf)+64<<10)
		copy(grown, r.buf)
		r.buf = grown
	}
	// One step reads at most maxReadStep, so that a cancel stops a
	// large file's reading soon, and one file does not hold a worker
	// for all of its length.
	end := min(cap(r.buf), len(r.buf)+maxReadStep)
	be.readAtOwned(r.f.loop, r.f.f, r.buf[len(r.buf):end], int64(len(r.buf)), r.release).OnSettle(func(res ioResult, err error) {
		if err == nil {
			err = res.err
		}
		if r.p.Future().Done() { // cancelled: nobody wants the rest
			r.finish(nil)
			return
		}
		if err == io.EOF {
			r.finish(nil)
			return
		}
		if err != nil {
			r.finish(err)
			return
		}
		r.buf = r.buf[:len(r.buf)+res.n]
		r.next()
	})
}

func (r *fileReader) finish(err error) {
	r.f.Close().OnSettle(func(_ struct{}, cerr error) {
		if err == nil {
			err = cerr
		}
		r.p.Settle(r.buf, err)
	})
}

// WriteFile writes data to name, creating it with perm (before the umask)
// or truncating it. The file is closed even if the loop stops while the
// data is being written. As with Open, a named pipe, a socket or a
// device is refused with an *fs.PathError matching ErrNotRegular (a named
// pipe with no reader is not waited for). Loop-only.
func WriteFile(l *eddy.Loop, name string, data []byte, perm fs.FileMode) *future.Future[struct{}] {
	return withFile(l, name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm, func(f *File, p *future.Promise[struct{}]) {
		lost := func(ioResult) { f.f.Close() }
		be.writeAtOwned(l, f.f, data, 0, lost).OnSettle(func(r ioResult, err error) {
			if err == nil {
				err = r.err
			}
			f.Close().OnSettle(func(_ struct{}, cerr error) {
				if err == nil {
					err = cerr
				}
				p.Settle(struct{}{}, err)
			})
		})
	})
}
