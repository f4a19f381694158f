//go:build freebsd || dragonfly || netbsd || openbsd

package eddy

import "golang.org/x/sys/unix"

// watchOpenFlags opens a watched file: read-only, which a directory
// needs too.
const watchOpenFlags = unix.O_RDONLY
