//go:build amd64 || arm64

package loopthread

// getg returns the address of the running goroutine's runtime descriptor,
// read from the register or thread-local slot where the runtime keeps it.
// It names the goroutine for as long as the goroutine lives.
func getg() uintptr

// current identifies the calling goroutine: two goroutines alive at the
// same time never share the value. It costs a few instructions.
func current() uint64 { return uint64(getg()) }
