//go:build !unix

package web

import (
	"io/fs"
	"os"
)

// inode returns 0: no inode number is known here.
func inode(fs.FileInfo) uint64 { return 0 }

// openFlags opens a name for reading.
const openFlags = os.O_RDONLY
