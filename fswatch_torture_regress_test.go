//go:build linux

package eddy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// Found by TestWatchTorture (seed 2): a directory made and renamed before
// the watcher read the records was never watched. Its Create came first,
// and the watch added for it then failed, since the name was gone; the
// paired rename then moved no watch. Files made in it later went
// unreported for good, though a recursive watch promises the directories
// that appear in its tree.
func TestWatchRecursiveDirRenamedBeforeRead(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	x, y := filepath.Join(dir, "x"), filepath.Join(dir, "y")
	f, end := filepath.Join(y, "f"), filepath.Join(dir, "end")
	l := newLoop(t)
	wrote := false
	_, wl := startWatch(t, l, dir, WatchOptions{Recursive: true}, func(wl *watchLog, ev WatchEvent) bool {
		if !wrote && ev.Name == y {
			wrote = true
			// Were y watched, f's Create would come before end's.
			must(t, os.WriteFile(f, nil, 0o644))
			must(t, os.WriteFile(end, nil, 0o644))
		}
		return ev.Name == end
	})
	l.NextTick(func() {
		// One batch: nothing reads the descriptor before these return.
		must(t, os.Mkdir(x, 0o755))
		must(t, os.Rename(x, y))
	})
	run(t, l)
	if !wl.ops(f).Has(Create) {
		t.Fatalf("no Create for %s, made in a directory renamed before the watcher saw it: %+v", f, wl.evs)
	}
}

// Found by TestWatchTorture (seed 3): a directory moved out of a
// recursive watch's tree stayed watched until the batch of records was
// delivered, so a file made in it straight after the move was reported,
// under the name the directory had in the tree, which no longer existed.
// The rename's two records come one after the other, so any other record
// settles it as a move out.
func TestWatchRecursiveDirMovedOutThenChanged(t *testing.T) {
	leakcheck.Check(t)
	dir, out := t.TempDir(), t.TempDir()
	sub := filepath.Join(dir, "a", "d")
	must(t, os.MkdirAll(sub, 0o755))
	away, end := filepath.Join(out, "d"), filepath.Join(dir, "end")
	l := newLoop(t)
	_, wl := startWatch(t, l, dir, WatchOptions{Recursive: true}, func(_ *watchLog, ev WatchEvent) bool {
		return ev.Name == end
	})
	l.NextTick(func() {
		// One batch: nothing reads the descriptor before these return.
		must(t, os.Rename(sub, away))
		must(t, os.WriteFile(filepath.Join(away, "f"), nil, 0o644))
		must(t, os.WriteFile(end, nil, 0o644))
	})
	run(t, l)
	if n := wl.count(filepath.Join(sub, "f")); n != 0 {
		t.Fatalf("%d events for %s, made after its directory left the tree: %+v", n, filepath.Join(sub, "f"), wl.evs)
	}
	if !wl.ops(sub).Has(Rename) {
		t.Fatalf("no Rename for %s: %+v", sub, wl.evs)
	}
}

// The same race one level down (TestWatchTorture, seed 5): a directory
// made in a watched directory that is then renamed, all before the
// watcher reads the records, was never watched either: its watch was
// asked for under the old name, and the rename moved only the watches
// that existed.
func TestWatchRecursiveParentRenamedBeforeRead(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	a, c := filepath.Join(dir, "a"), filepath.Join(dir, "c")
	must(t, os.Mkdir(a, 0o755))
	f, end := filepath.Join(c, "b", "f"), filepath.Join(dir, "end")
	l := newLoop(t)
	wrote := false
	_, wl := startWatch(t, l, dir, WatchOptions{Recursive: true}, func(wl *watchLog, ev WatchEvent) bool {
		if !wrote && ev.Name == c {
			wrote = true
			must(t, os.WriteFile(f, nil, 0o644))
			must(t, os.WriteFile(end, nil, 0o644))
		}
		return ev.Name == end
	})
	l.NextTick(func() {
		// One batch: nothing reads the descriptor before these return.
		must(t, os.Mkdir(filepath.Join(a, "b"), 0o755))
		must(t, os.Rename(a, c))
	})
	run(t, l)
	if !wl.ops(f).Has(Create) {
		t.Fatalf("no Create for %s, made in a directory whose parent was renamed before the watcher saw it: %+v", f, wl.evs)
	}
}

// Found by TestWatchTorture (seed 7): inotify gives a directory one
// watch descriptor however many watchers watch it, so a watcher made
// while records for that descriptor were still queued got them too, and
// under the name it watches by: a file made and removed in a directory
// before it was renamed and watched again was reported to the new
// watcher under the new name, where it never existed. Watch now reads
// what is queued, for the watchers already there, before it adds its
// watches.
func TestWatchNewWatcherGetsNoEarlierRecords(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	must(t, os.Mkdir(a, 0o755))
	l := newLoop(t)
	end := filepath.Join(dir, "end")
	_, wl := startWatch(t, l, dir, WatchOptions{Recursive: true}, func(_ *watchLog, ev WatchEvent) bool {
		return ev.Name == end
	})
	var wl2 *watchLog
	mark := filepath.Join(b, "mark")
	l.NextTick(func() {
		// One batch: nothing reads the descriptor before these return.
		must(t, os.WriteFile(filepath.Join(a, "f"), nil, 0o644))
		must(t, os.Remove(filepath.Join(a, "f")))
		must(t, os.Rename(a, b))
		_, wl2 = startWatch(t, l, b, WatchOptions{}, func(_ *watchLog, ev WatchEvent) bool {
			return ev.Name == mark
		})
		must(t, os.WriteFile(mark, nil, 0o644))
		must(t, os.WriteFile(end, nil, 0o644))
	})
	run(t, l)
	if n := wl2.count(filepath.Join(b, "f")); n != 0 {
		t.Errorf("the watcher of %s, made after %s was made and removed in it, got %d events for it: %+v", b, filepath.Join(b, "f"), n, wl2.evs)
	}
	if !wl2.ops(mark).Has(Create) {
		t.Errorf("no Create for %s: %+v", mark, wl2.evs)
	}
	f := filepath.Join(a, "f")
	renamed := false
	for _, ev := range wl.evs {
		renamed = renamed || ev.Op == Rename && ev.OldName == a && ev.Name == b
	}
	if !wl.ops(f).Has(Create) || !wl.ops(f).Has(Remove) || !renamed {
		t.Errorf("the first watcher missed the changes under %s: %+v", a, wl.evs)
	}
}
