//go:build linux

package eddy

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A recursive watch whose kernel queue overflowed lost the creation of
// the directories made meanwhile, and with it their watches: changes
// inside them went unreported for good, whatever the user rescanned.
// After Overflow the watcher walks its tree again, so they are watched
// from then on.
func TestWatchOverflowRewatchesNewDirectories(t *testing.T) {
	leakcheck.Check(t)
	b, err := os.ReadFile("/proc/sys/fs/inotify/max_queued_events")
	if err != nil {
		t.Skip(err)
	}
	limit, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || limit > 100000 {
		t.Skipf("max_queued_events %q: too many events to overflow in a test", b)
	}
	dir := t.TempDir()
	late := filepath.Join(dir, "late")
	inLate := filepath.Join(late, "f")
	marker := filepath.Join(dir, "marker")
	l := newLoop(t)
	overflows := 0
	_, wl := startWatch(t, l, dir, WatchOptions{Recursive: true}, func(wl *watchLog, ev WatchEvent) bool {
		if ev.Op.Has(Overflow) {
			overflows++
			// The user rescans, then the tree changes again.
			must(t, os.WriteFile(inLate, nil, 0o644))
			must(t, os.WriteFile(marker, nil, 0o644))
		}
		return ev.Name == marker
	})
	l.NextTick(func() {
		// The loop is busy here: fill the kernel's queue, then make a
		// directory whose creation is lost.
		for i := 0; i <= limit; i++ {
			fd, err := syscall.Open(filepath.Join(dir, strconv.Itoa(i)), syscall.O_CREAT|syscall.O_WRONLY|syscall.O_CLOEXEC, 0o644)
			must(t, err)
			syscall.Close(fd)
		}
		must(t, os.Mkdir(late, 0o755))
	})
	run(t, l)
	if overflows != 1 {
		t.Fatalf("%d Overflow events, want 1", overflows)
	}
	if !wl.ops(inLate).Has(Create) {
		t.Fatalf("no Create for %s, made in a directory created during the overflow (ops %v)", inLate, wl.ops(inLate))
	}
}
