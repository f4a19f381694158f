package fsx

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
)

// backend performs the file operations of a loop and settles their
// futures on it. The default runs each operation as a blocking call in
// the loop's worker pool (eddy.Submit). An io_uring backend would submit
// the same operations as SQEs and settle the futures from its
// completions, with no worker thread; the package's API does not change.
type backend interface {
	// open opens name. It closes the file itself when nobody can receive
	// it: the future was cancelled, or the loop stopped, before the open
	// completed. With regular, the open does not wait on a named pipe,
	// and anything but a regular file or a directory is refused with
	// ErrNotRegular; the File then knows its size.
	open(l *eddy.Loop, name string, flag int, perm fs.FileMode, regular bool) *future.Future[*File]
	// readAt reads at off, or at the file's offset when off < 0. It
	// resolves with n > 0 even if the read stopped early, and is rejected
	// (io.EOF at the end) only when nothing was read.
	readAt(l *eddy.Loop, f *os.File, p []byte, off int64) *future.Future[int]
	// writeAt writes all of p at off, or at the file's offset when off < 0.
	writeAt(l *eddy.Loop, f *os.File, p []byte, off int64) *future.Future[int]
	// readAtOwned and writeAtOwned are readAt and writeAt (off >= 0) for
	// a file that the package opened itself (ReadFile, WriteFile) and
	// nobody else can close: if the loop stops before the result can be
	// delivered, so that the caller's next step never runs, release is
	// called instead, whatever the result. The error travels in the
	// result, so that a failed or final (io.EOF) step is released too.
	readAtOwned(l *eddy.Loop, f *os.File, p []byte, off int64, release func(ioResult)) *future.Future[ioResult]
	writeAtOwned(l *eddy.Loop, f *os.File, p []byte, off int64, release func(ioResult)) *future.Future[ioResult]
	close(l *eddy.Loop, f *os.File) *future.Future[struct{}]
	sync(l *eddy.Loop, f *os.File) *future.Future[struct{}]
	fstat(l *eddy.Loop, f *os.File) *future.Future[fs.FileInfo]
	stat(l *eddy.Loop, name string, follow bool) *future.Future[fs.FileInfo]
	readDir(l *eddy.Loop, name string) *future.Future[[]fs.DirEntry]
	rename(l *eddy.Loop, from, to string) *future.Future[struct{}]
	remove(l *eddy.Loop, name string, all bool) *future.Future[struct{}]
	mkdir(l *eddy.Loop, name string, perm fs.FileMode, all bool) *future.Future[struct{}]
}

// be is the backend in use.
var be backend = poolBackend{}

// poolBackend runs each operation in the loop's worker pool.
type poolBackend struct{}

func done(err error) (struct{}, error) { return struct{}{}, err }

func (poolBackend) open(l *eddy.Loop, name string, flag int, perm fs.FileMode, regular bool) *future.Future[*File] {
	return eddy.SubmitOwned(l, func() (*File, error) {
		if !regular {
			f, err := os.OpenFile(name, flag, perm)
			if err != nil {
				return nil, err
			}
			return &File{loop: l, f: f}, nil
		}
		return openRegular(l, name, flag, perm)
	}, closeFile)
}

// openRegular opens name without waiting on a named pipe and checks,
// with one fstat, that it is a regular file or a directory. It runs in
// the worker pool.
func openRegular(l *eddy.Loop, name string, flag int, perm fs.FileMode) (*File, error) {
	f, err := os.OpenFile(name, flag|nonblockOpen, perm)
	if errors.Is(err, syscall.ENXIO) {
		// A named pipe opened for writing with no reader: say so,
		// rather than "no such device or address".
		if fi, serr := os.Stat(name); serr == nil && !fi.Mode().IsRegular() {
			err = &fs.PathError{Op: "open", Path: name, Err: ErrNotRegular}
		}
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if m := fi.Mode(); !m.IsRegular() && !m.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: ErrNotRegular}
	}
	return &File{loop: l, f: f, size: fi.Size()}, nil
}

func (poolBackend) readAt(l *eddy.Loop, f *os.File, p []byte, off int64) *future.Future[int] {
	return eddy.Submit(l, func() (int, error) {
		var n int
		var err error
		if off < 0 {
			n, err = f.Read(p)
		} else {
			n, err = f.ReadAt(p, off)
		}
		if n > 0 {
			return n, nil
		}
		return 0, err
	})
}

// ioResult is the outcome of a read or write step of an owned file.
type ioResult struct {
	n   int
	err error
}

func (poolBackend) readAtOwned(l *eddy.Loop, f *os.File, p []byte, off int64, release func(ioResult)) *future.Future[ioResult] {
	return eddy.SubmitOwned(l, func() (ioResult, error) {
		n, err := f.ReadAt(p, off)
		if n > 0 {
			err = nil
		}
		return ioResult{n, err}, nil
	}, release)
}

func (poolBackend) writeAtOwned(l *eddy.Loop, f *os.File, p []byte, off int64, release func(ioResult)) *future.Future[ioResult] {
	return eddy.SubmitOwned(l, func() (ioResult, error) {
		n, err := f.WriteAt(p, off)
		return ioResult{n, err}, nil
	}, release)
}

func (poolBackend) writeAt(l *eddy.Loop, f *os.File, p []byte, off int64) *future.Future[int] {
	return eddy.Submit(l, func() (int, error) {
		if off < 0 {
			return f.Write(p)
		}
		return f.WriteAt(p, off)
	})
}

func (poolBackend) close(l *eddy.Loop, f *os.File) *future.Future[struct{}] {
	return eddy.Submit(l, func() (struct{}, error) { return done(f.Close()) })
}

func (poolBackend) sync(l *eddy.Loop, f *os.File) *future.Future[struct{}] {
	return eddy.Submit(l, func() (struct{}, error) { return done(f.Sync()) })
}

func (poolBackend) fstat(l *eddy.Loop, f *os.File) *future.Future[fs.FileInfo] {
	return eddy.Submit(l, f.Stat)
}

func (poolBackend) stat(l *eddy.Loop, name string, follow bool) *future.Future[fs.FileInfo] {
	return eddy.Submit(l, func() (fs.FileInfo, error) {
		if follow {
			return os.Stat(name)
		}
		return os.Lstat(name)
	})
}

func (poolBackend) readDir(l *eddy.Loop, name string) *future.Future[[]fs.DirEntry] {
	return eddy.Submit(l, func() ([]fs.DirEntry, error) { return os.ReadDir(name) })
}

func (poolBackend) rename(l *eddy.Loop, from, to string) *future.Future[struct{}] {
	return eddy.Submit(l, func() (struct{}, error) { return done(os.Rename(from, to)) })
}

func (poolBackend) remove(l *eddy.Loop, name string, all bool) *future.Future[struct{}] {
	return eddy.Submit(l, func() (struct{}, error) {
		if all {
			return done(os.RemoveAll(name))
		}
		return done(os.Remove(name))
	})
}

func (poolBackend) mkdir(l *eddy.Loop, name string, perm fs.FileMode, all bool) *future.Future[struct{}] {
	return eddy.Submit(l, func() (struct{}, error) {
		if all {
			return done(os.MkdirAll(name, perm))
		}
		return done(os.Mkdir(name, perm))
	})
}

// closeFile closes a file opened for a future that nobody can receive.
func closeFile(f *File) { f.f.Close() }
