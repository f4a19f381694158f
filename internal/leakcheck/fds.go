package leakcheck

import (
	"os"
	"sort"
	"strconv"
)

const fdDir = "/proc/self/fd"

// openFDs returns the open descriptors and what each points to, or ok=false
// when this system has no /proc/self/fd. The descriptor used to read the
// directory is closed by the time its link is read, so it is left out like
// any other descriptor closed meanwhile.
func openFDs() (fds map[int]string, ok bool) {
	entries, err := os.ReadDir(fdDir)
	if err != nil {
		return nil, false
	}
	fds = make(map[int]string, len(entries))
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink(fdDir + "/" + e.Name())
		if err != nil {
			continue
		}
		fds[n] = target
	}
	return fds, true
}

// newFDs describes the descriptors of after that were not in before, or
// that now point elsewhere.
func newFDs(before, after map[int]string) []string {
	var nums []int
	for n, target := range after {
		if old, ok := before[n]; !ok || old != target {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	out := make([]string, len(nums))
	for i, n := range nums {
		out[i] = "fd " + strconv.Itoa(n) + " -> " + after[n]
	}
	return out
}

// warmUp makes the runtime create the descriptors it opens once per process
// on first use (the network poller's epoll and wakeup descriptors), so that
// they are in the snapshot rather than blamed on the test.
func warmUp() {
	r, w, err := os.Pipe()
	if err == nil {
		r.Close()
		w.Close()
	}
}
