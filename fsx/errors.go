package fsx

import "errors"

// ErrInvalidArgument is returned for a negative offset or length, or a
// nil file or connection. File-system failures keep the io/fs identity of
// the os package's errors instead: errors.Is(err, fs.ErrNotExist) and the
// like hold, and errors.As finds the *fs.PathError (the *os.LinkError,
// for Rename).
var ErrInvalidArgument = errors.New("fsx: invalid argument")
