package fsx

import "errors"

// ErrInvalidArgument is returned for a negative offset or length, or a
// nil file or connection. File-system failures keep the io/fs identity of
// the os package's errors instead: errors.Is(err, fs.ErrNotExist) and the
// like hold, and errors.As finds the *fs.PathError (the *os.LinkError,
// for Rename).
var ErrInvalidArgument = errors.New("fsx: invalid argument")

// ErrNotRegular is the error, inside an *fs.PathError, of Open, ReadFile
// and WriteFile for a name that is neither a regular file nor a
// directory: a named pipe, a socket or a device. Reading one could hold a worker of
// the pool for as long as another process pleases (a FIFO until a writer
// comes, a terminal until a line is typed) or never end (/dev/zero). Use
// OpenFile to open one on purpose.
var ErrNotRegular = errors.New("fsx: not a regular file")
