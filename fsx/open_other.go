//go:build !unix

package fsx

// nonblockOpen is zero where opening a file never waits for another
// process (there are no named pipes in the file system).
const nonblockOpen = 0
