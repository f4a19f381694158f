//go:build !amd64 && !arm64

package loopthread

import (
	"runtime"
	"strconv"
	"strings"
)

// current identifies the calling goroutine by its id, parsed from the stack
// header ("goroutine 123 [running]:"), on architectures where this package
// has no assembly to read the goroutine descriptor.
func current() uint64 {
	var buf [64]byte
	s := string(buf[:runtime.Stack(buf[:], false)])
	s = strings.TrimPrefix(s, "goroutine ")
	if i := strings.IndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	id, _ := strconv.ParseUint(s, 10, 64)
	return id
}
