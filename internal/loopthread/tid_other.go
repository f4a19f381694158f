//go:build !linux && !windows

package loopthread

import (
	"runtime"
	"strconv"
	"strings"
)

// current falls back to the goroutine id, parsed from the stack header
// ("goroutine 123 [running]:"), where no cheap thread id exists.
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
