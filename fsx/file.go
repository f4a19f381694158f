package fsx

import (
	"io/fs"
	"os"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
)

// File is an open file whose operations run off the loop and return
// futures settled on it. Its methods are loop-only. The buffer given to
// Read, ReadAt, Write or WriteAt belongs to the operation until its future
// settles: do not touch it before. ReadAt and WriteAt may overlap; Read
// and Write use the file's offset, so issue the next one after the
// previous one has settled.
type File struct {
	loop *eddy.Loop
	f    *os.File
	size int64 // the size when opened (a hint; 0 unless Open, ReadFile or WriteFile opened it)
}

// Open opens name for reading. Name must be a regular file (or a
// directory): a named pipe, a socket or a device is refused with an
// *fs.PathError matching ErrNotRegular, rather than let it hold a worker
// of the pool (opening a named pipe for reading waits for a writer).
// Loop-only.
func Open(l *eddy.Loop, name string) *future.Future[*File] {
	return be.open(l, name, os.O_RDONLY, 0, true)
}

// Create creates or truncates name for reading and writing (mode 0666
// before the umask). Loop-only.
func Create(l *eddy.Loop, name string) *future.Future[*File] {
	return OpenFile(l, name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

// OpenFile opens name with the os package's flags and permissions.
// Cancelling the future before the file is open closes the file once it
// is, and so does the loop stopping before the future can settle.
// Unlike Open, it opens whatever name is, as the flags say: a named pipe
// opened for reading without O_NONBLOCK holds a worker of the pool until
// a writer opens it, and each read on it until data comes. Loop-only.
func OpenFile(l *eddy.Loop, name string, flag int, perm fs.FileMode) *future.Future[*File] {
	return be.open(l, name, flag, perm, false)
}

// Name returns the name the file was opened with.
func (f *File) Name() string { return f.f.Name() }

// Loop returns the file's loop.
func (f *File) Loop() *eddy.Loop { return f.loop }

// OS returns the underlying *os.File, for example for Conn.SendFile. Do
// not use it on the loop for blocking calls.
func (f *File) OS() *os.File { return f.f }

// Read reads up to len(p) bytes at the file's offset. The future resolves
// with the count, which may be short; it is rejected with io.EOF at the
// end of the file.
func (f *File) Read(p []byte) *future.Future[int] { return be.readAt(f.loop, f.f, p, -1) }

// ReadAt reads up to len(p) bytes at off. The future resolves with the
// count, short only at the end of the file; it is rejected with io.EOF
// when off is at or past the end.
func (f *File) ReadAt(p []byte, off int64) *future.Future[int] {
	if off < 0 {
		return future.Rejected[int](f.loop, ErrInvalidArgument)
	}
	return be.readAt(f.loop, f.f, p, off)
}

// Write writes p at the file's offset. The future resolves with len(p),
// or is rejected with the error (part of p may have been written).
func (f *File) Write(p []byte) *future.Future[int] { return be.writeAt(f.loop, f.f, p, -1) }

// WriteAt writes p at off, like Write.
func (f *File) WriteAt(p []byte, off int64) *future.Future[int] {
	if off < 0 {
		return future.Rejected[int](f.loop, ErrInvalidArgument)
	}
	return be.writeAt(f.loop, f.f, p, off)
}

// Stat returns the file's information.
func (f *File) Stat() *future.Future[fs.FileInfo] { return be.fstat(f.loop, f.f) }

// Sync commits the file's contents to stable storage.
func (f *File) Sync() *future.Future[struct{}] { return be.sync(f.loop, f.f) }

// Close closes the file. Operations still in flight may fail with
// fs.ErrClosed.
func (f *File) Close() *future.Future[struct{}] { return be.close(f.loop, f.f) }
