package leakcheck

import (
	"runtime"
	"strconv"
	"strings"
)

// goroutine is one entry of a runtime.Stack(all) dump.
type goroutine struct {
	id    uint64
	stack string
}

// defaultIgnore lists stack substrings of goroutines that may start during a
// test and rightly live on until the process ends.
var defaultIgnore = []string{
	"os/signal.signal_recv",             // signal.Notify's loop
	"os/signal.loop",                    //
	"/internal/testenv.processSpawner(", // internal/testenv's thread-locked spawner
	"testing.(*F).",                     // fuzzing workers
	"testing.runFuzzTests",              //
	"testing.runFuzzing",                //
}

// stacks returns every user goroutine (the runtime hides its own).
func stacks() []goroutine {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return parseStacks(string(buf))
}

// parseStacks splits a runtime.Stack(all) dump into goroutines: blocks
// separated by blank lines, each starting with a "goroutine N" header.
// Blocks without one are dropped.
func parseStacks(dump string) []goroutine {
	var gs []goroutine
	for block := range strings.SplitSeq(dump, "\n\n") {
		block = strings.TrimSpace(block)
		if id, ok := goroutineID(block); ok {
			gs = append(gs, goroutine{id: id, stack: block})
		}
	}
	return gs
}

// currentID returns the id of the calling goroutine.
func currentID() uint64 {
	buf := make([]byte, 64)
	n := runtime.Stack(buf, false)
	id, _ := goroutineID(string(buf[:n]))
	return id
}

// goroutineID parses the "goroutine 123 [state]:" header of a stack.
func goroutineID(stack string) (uint64, bool) {
	rest, ok := strings.CutPrefix(stack, "goroutine ")
	if !ok {
		return 0, false
	}
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		return 0, false
	}
	id, err := strconv.ParseUint(rest[:end], 10, 64)
	return id, err == nil
}

// ignored reports whether a goroutine is one that may outlive a test: it
// matches an ignore pattern, or the runtime created it.
func ignored(stack string, patterns []string) bool {
	for _, p := range defaultIgnore {
		if strings.Contains(stack, p) {
			return true
		}
	}
	for _, p := range patterns {
		if strings.Contains(stack, p) {
			return true
		}
	}
	if _, creator, ok := strings.Cut(stack, "\ncreated by "); ok {
		return strings.HasPrefix(creator, "runtime.") || strings.HasPrefix(creator, "runtime/")
	}
	return false
}
