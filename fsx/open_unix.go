//go:build unix

package fsx

import "syscall"

// nonblockOpen is added to the flags of an open that expects a regular
// file, so that a named pipe cannot hold a worker in open(2) until some
// writer opens it. Regular files ignore the flag.
const nonblockOpen = syscall.O_NONBLOCK
