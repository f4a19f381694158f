//go:build !unix

package web

import "io/fs"

// inode returns 0: no inode number is known here.
func inode(fs.FileInfo) uint64 { return 0 }
