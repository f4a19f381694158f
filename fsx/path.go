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
// reading after the read in flight, and closes the file. Loop-only.
func ReadFile(l *eddy.Loop, name string) *future.Future[[]byte] {
	return future.ThenFuture(Open(l, name), func(f *File) *future.Future[[]byte] {
		r := &fileReader{f: f}
		f2, p := future.New[[]byte](l)
		r.p = p
		r.next()
		return f2
	})
}

// fileReader reads a file to its end, chunk by chunk.
type fileReader struct {
	f   *File
	buf []byte
	p   *future.Promise[[]byte]
}

func (r *fileReader) next() {
	if cap(r.buf)-len(r.buf) < 32<<10 {
		grown := make([]byte, len(r.buf), 2*cap(r.buf)+64<<10)
		copy(grown, r.buf)
		r.buf = grown
	}
	r.f.ReadAt(r.buf[len(r.buf):cap(r.buf)], int64(len(r.buf))).OnSettle(func(n int, err error) {
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
		r.buf = r.buf[:len(r.buf)+n]
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
// or truncating it. Loop-only.
func WriteFile(l *eddy.Loop, name string, data []byte, perm fs.FileMode) *future.Future[struct{}] {
	open := OpenFile(l, name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	return future.ThenFuture(open, func(f *File) *future.Future[struct{}] {
		res, p := future.New[struct{}](l)
		f.Write(data).OnSettle(func(_ int, err error) {
			f.Close().OnSettle(func(_ struct{}, cerr error) {
				if err == nil {
					err = cerr
				}
				p.Settle(struct{}{}, err)
			})
		})
		return res
	})
}
