// Package fsx gives an event loop asynchronous files: open, read, write,
// stat, readdir, rename and remove return futures settled on the loop,
// and never block it.
//
//	fsx.ReadFile(loop, "config.json").OnSettle(func(b []byte, err error) {
//		if errors.Is(err, fs.ErrNotExist) { ... }
//	})
//
// # How
//
// Linux has no useful non-blocking mode for regular files, so each
// operation runs as an ordinary system call in the loop's worker pool
// (eddy.Submit) and its result is posted back to the loop, as libuv does.
// The operations sit behind one internal interface, so that an io_uring
// backend can later submit them to the kernel directly, with the same API.
//
// Cancelling a future does not interrupt its system call, which cannot be
// stopped from outside. A file opened for a future that was cancelled, or
// whose loop stopped, before the open finished is closed, not leaked
// (eddy.SubmitOwned). So is the file that ReadFile or WriteFile opens for
// itself, whenever the future is cancelled or the loop stops: each of its
// read or write steps carries the file, so that a step whose result can
// no longer reach the loop closes it.
//
// # Errors
//
// Errors are those of the os package: *fs.PathError values (an
// *os.LinkError for Rename) for which errors.Is(err, fs.ErrNotExist),
// fs.ErrPermission, fs.ErrExist hold.
// Reads are rejected with io.EOF at the end of a file. Open, ReadFile and
// WriteFile expect a regular file (or a directory): a named pipe, a
// socket or a device is refused with ErrNotRegular, without waiting on
// it, since it could hold a worker of the pool indefinitely; OpenFile
// opens anything.
//
// # Streaming into a connection
//
// Copy reads a file chunk by chunk into an *eddy.Conn, reading the next
// chunk only when the connection's write queue has drained, so that a
// slow peer never makes a whole file sit in memory. SendFile instead hands
// the copy to the kernel (sendfile), which is cheaper when no layer (TLS)
// sits on the connection.
//
// Functions and methods of this package are loop-only: call them on the
// loop that will own the futures.
package fsx
