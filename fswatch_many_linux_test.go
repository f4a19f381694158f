//go:build linux

package eddy

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// Each Watcher used to open an inotify instance of its own, and the
// kernel allows a user only max_user_instances of them (128 by default,
// shared by all of the user's processes): watching a few hundred files,
// one Watch each, failed with "too many open files". A loop's watchers
// share one instance, so they are bound only by max_user_watches. Two
// watchers of the same file both get its events, and closing one leaves
// the other watching.
func TestWatchManyWatchersShareOneInstance(t *testing.T) {
	leakcheck.Check(t)
	b, err := os.ReadFile("/proc/sys/fs/inotify/max_user_instances")
	if err != nil {
		t.Skip(err)
	}
	limit, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || limit > 1000 {
		t.Skipf("max_user_instances %q: too many to exceed in a test", b)
	}
	dir := t.TempDir()
	n := limit + 20
	names := make([]string, n)
	for i := range names {
		names[i] = filepath.Join(dir, strconv.Itoa(i))
		must(t, os.WriteFile(names[i], nil, 0o644))
	}
	l := newLoop(t)
	got := make([]int, n+1) // writes seen by watcher i; [n] a second watcher of names[0]
	closed, seen := 0, 0
	var ws []*Watcher
	watch := func(i int, name string) {
		w, err := l.Watch(name, WatchOptions{OnClose: func(err error) {
			if err != nil {
				t.Errorf("watcher %d closed with %v", i, err)
			}
			closed++
		}}, func(ev WatchEvent) {
			if !ev.Op.Has(Write) {
				return
			}
			if got[i]++; got[i] == 1 {
				if seen++; seen == n { // all but the closed one
					for _, w := range ws {
						w.Close()
					}
				}
			}
		})
		if err != nil {
			t.Fatalf("watch %d of %d: %v", i+1, n+1, err)
		}
		ws = append(ws, w)
	}
	l.NextTick(func() {
		for i, name := range names {
			watch(i, name)
		}
		watch(n, names[0])
		ws[0].Close() // the other watcher of names[0] goes on
		for _, name := range names {
			must(t, os.WriteFile(name, []byte("x"), 0o644))
		}
	})
	run(t, l)
	if got[0] != 0 {
		t.Errorf("closed watcher got %d writes", got[0])
	}
	for i := 1; i <= n; i++ {
		if got[i] == 0 {
			t.Errorf("watcher %d saw no write", i)
		}
	}
	if closed != n+1 {
		t.Errorf("%d watchers closed, want %d", closed, n+1)
	}
}

// Watchers whose trees overlap share the kernel's watch of a directory:
// one that stops watching it (closed, or its directory moved out of its
// tree) leaves the other's watch in place.
func TestWatchOverlappingWatchersKeepSharedWatch(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	must(t, os.Mkdir(sub, 0o755))
	l := newLoop(t)
	var tree, inner *Watcher
	var treeLog, innerLog []string
	file := filepath.Join(sub, "f")
	inner, err := l.Watch(sub, WatchOptions{}, func(ev WatchEvent) {
		innerLog = append(innerLog, ev.Op.String()+" "+ev.Name)
		if ev.Name == file && ev.Op.Has(Create) {
			inner.Close()
			tree.Close()
		}
	})
	must(t, err)
	other := filepath.Join(t.TempDir(), "elsewhere")
	tree, err = l.Watch(dir, WatchOptions{Recursive: true}, func(ev WatchEvent) {
		treeLog = append(treeLog, ev.Op.String()+" "+ev.Name)
		if ev.Op.Has(Rename) && ev.Name == sub {
			// By now the tree watcher has let go of sub, moved out of
			// its tree.
			must(t, os.WriteFile(filepath.Join(other, "f"), nil, 0o644))
		}
	})
	must(t, err)
	l.NextTick(func() { must(t, os.Rename(sub, other)) })
	// inner watches the directory itself, wherever it is: its events
	// carry the name it was watched under.
	run(t, l)
	if len(treeLog) != 1 || treeLog[0] != "RENAME "+sub {
		t.Errorf("tree watcher saw %q, want only the rename of %s", treeLog, sub)
	}
	if len(innerLog) == 0 || innerLog[len(innerLog)-1] != "CREATE "+file {
		t.Fatalf("inner watcher saw %q; want it to end with a Create of %s", innerLog, file)
	}
}
