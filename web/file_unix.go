//go:build unix

package web

import (
	"io/fs"
	"syscall"
)

// inode returns the file's inode number, or 0.
func inode(info fs.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}

// openFlags opens a name without blocking on it: a FIFO in the tree
// would otherwise hold a worker until some writer opened it. Regular
// files ignore the flag.
const openFlags = syscall.O_RDONLY | syscall.O_NONBLOCK
