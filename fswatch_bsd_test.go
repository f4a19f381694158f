//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package eddy

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// File watching on the kqueue backend. kqueue reports that a directory
// changed, not what changed, so the watcher reads it again: a file that
// appears and goes between two readings is never seen. These tests
// therefore make one change at a time and wait for its event.

// kqStep is one change and the event that shows it was seen.
type kqStep struct {
	do   func()
	want func(WatchEvent) bool
}

// kqSteps watches path and runs the steps in order, each after the
// previous one's event; the watch is closed after the last. It returns
// every event seen.
func kqSteps(t *testing.T, path string, opts WatchOptions, steps []kqStep) []WatchEvent {
	t.Helper()
	l := newLoop(t)
	var evs []WatchEvent
	var w *Watcher
	i := 0
	w, err := l.Watch(path, opts, func(ev WatchEvent) {
		evs = append(evs, ev)
		if i < len(steps) && steps[i].want(ev) {
			i++
			if i == len(steps) {
				w.Close()
				return
			}
			steps[i].do()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	l.NextTick(steps[0].do)
	run(t, l)
	if i != len(steps) {
		t.Fatalf("stopped at step %d of %d; events %+v", i, len(steps), evs)
	}
	return evs
}

// kqIs matches an event by its op and path.
func kqIs(op Op, name string) func(WatchEvent) bool {
	return func(ev WatchEvent) bool { return ev.Op.Has(op) && ev.Name == name }
}

func TestKqueueWatchDirectory(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	var renamed WatchEvent
	kqSteps(t, dir, WatchOptions{}, []kqStep{
		{func() { kqMust(t, os.WriteFile(a, []byte("x"), 0o644)) }, kqIs(Create, a)},
		{func() {
			f, err := os.OpenFile(a, os.O_WRONLY|os.O_APPEND, 0)
			kqMust(t, err)
			f.Write([]byte("more"))
			f.Close()
		}, kqIs(Write, a)},
		{func() { kqMust(t, os.Chmod(a, 0o600)) }, kqIs(Chmod, a)},
		{func() { kqMust(t, os.Rename(a, b)) }, func(ev WatchEvent) bool {
			renamed = ev
			return ev.Op == Rename
		}},
		{func() { kqMust(t, os.Remove(b)) }, kqIs(Remove, b)},
	})
	if want := (WatchEvent{Op: Rename, Name: b, OldName: a}); renamed != want {
		t.Fatalf("rename event %+v, want %+v", renamed, want)
	}
}

func TestKqueueWatchFile(t *testing.T) {
	leakcheck.Check(t)
	f := filepath.Join(t.TempDir(), "f")
	kqMust(t, os.WriteFile(f, nil, 0o644))
	l := newLoop(t)
	var evs []WatchEvent
	var closes []error
	step := 0
	steps := []func(){
		func() { kqMust(t, os.WriteFile(f, []byte("data"), 0o644)) },
		func() { kqMust(t, os.Chmod(f, 0o600)) },
		func() { kqMust(t, os.Remove(f)) },
	}
	w, err := l.Watch(f, WatchOptions{OnClose: func(err error) { closes = append(closes, err) }}, func(ev WatchEvent) {
		evs = append(evs, ev)
		if step < len(steps) {
			steps[step]()
			step++
		}
	})
	kqMust(t, err)
	l.NextTick(func() { steps[0](); step++ })
	run(t, l) // the removal ends the watch, and with it the loop
	var all Op
	for _, ev := range evs {
		all |= ev.Op
	}
	if !all.Has(Write|Chmod|Remove) || evs[len(evs)-1].Op != Remove {
		t.Fatalf("events %+v", evs)
	}
	if !w.Closed() || len(closes) != 1 || closes[0] != nil {
		t.Fatalf("OnClose %v", closes)
	}
}

func TestKqueueWatchRenameAcrossDirectories(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	d1, d2 := filepath.Join(dir, "d1"), filepath.Join(dir, "d2")
	kqMust(t, os.Mkdir(d1, 0o755))
	kqMust(t, os.Mkdir(d2, 0o755))
	from, to := filepath.Join(d1, "f"), filepath.Join(d2, "g")
	kqMust(t, os.WriteFile(from, []byte("x"), 0o644))
	evs := kqSteps(t, dir, WatchOptions{Recursive: true}, []kqStep{
		{func() { kqMust(t, os.Rename(from, to)) }, func(ev WatchEvent) bool { return ev.Op.Has(Rename) }},
		// The file's watch moved with it.
		{func() { kqMust(t, os.WriteFile(to, []byte("y"), 0o644)) }, kqIs(Write, to)},
	})
	if want := (WatchEvent{Op: Rename, Name: to, OldName: from}); evs[0] != want {
		t.Fatalf("events %+v, want %+v first", evs, want)
	}
}

func TestKqueueWatchRenameOutOfTree(t *testing.T) {
	leakcheck.Check(t)
	dir, out := t.TempDir(), t.TempDir()
	sub := filepath.Join(dir, "sub")
	kqMust(t, os.Mkdir(sub, 0o755))
	back := filepath.Join(dir, "back")
	evs := kqSteps(t, dir, WatchOptions{Recursive: true}, []kqStep{
		{func() { kqMust(t, os.Rename(sub, filepath.Join(out, "sub"))) }, kqIs(Rename, sub)},
		{func() {
			// Moved out: its watch is dropped, so this write is not seen.
			kqMust(t, os.WriteFile(filepath.Join(out, "sub", "x"), nil, 0o644))
			kqMust(t, os.WriteFile(back, nil, 0o644))
		}, kqIs(Create, back)},
	})
	if evs[0].OldName != "" || !evs[0].IsDir {
		t.Fatalf("events %+v", evs)
	}
	for _, ev := range evs {
		if ev.Name == filepath.Join(out, "sub", "x") || ev.Name == filepath.Join(sub, "x") {
			t.Fatalf("event from a directory moved out: %+v", evs)
		}
	}
}

func TestKqueueWatchRecursiveNewSubdirectories(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	deep := filepath.Join(dir, "a", "b", "c")
	f := filepath.Join(deep, "f")
	evs := kqSteps(t, dir, WatchOptions{Recursive: true}, []kqStep{
		{func() {
			kqMust(t, os.MkdirAll(deep, 0o755))
			kqMust(t, os.WriteFile(f, []byte("x"), 0o644))
		}, kqIs(Create, f)},
		{func() { kqMust(t, os.WriteFile(f, []byte("again"), 0o644)) }, kqIs(Write, f)},
	})
	for _, p := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "a", "b"), deep} {
		found := false
		for _, ev := range evs {
			if ev.Name == p && ev.Op.Has(Create) && ev.IsDir {
				found = true
			}
		}
		if !found {
			t.Errorf("no Create of directory %s: %+v", p, evs)
		}
	}
}

func TestKqueueWatchRemoveWatchedDirectory(t *testing.T) {
	leakcheck.Check(t)
	dir := filepath.Join(t.TempDir(), "w")
	kqMust(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	kqMust(t, os.WriteFile(filepath.Join(dir, "sub", "f"), nil, 0o644))
	l := newLoop(t)
	var evs []WatchEvent
	w, err := l.Watch(dir, WatchOptions{Recursive: true}, func(ev WatchEvent) { evs = append(evs, ev) })
	kqMust(t, err)
	l.NextTick(func() { kqMust(t, os.RemoveAll(dir)) })
	run(t, l) // ends by itself: the watch ends with its directory
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	last := evs[len(evs)-1]
	if last.Op != Remove || last.Name != dir || !last.IsDir || !w.Closed() {
		t.Fatalf("last event %+v of %+v", last, evs)
	}
}

func TestKqueueWatchMissingPath(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	missing := filepath.Join(t.TempDir(), "nope")
	w, err := l.Watch(missing, WatchOptions{}, func(WatchEvent) {})
	var pe *fs.PathError
	if w != nil || !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Op != "watch" || pe.Path != missing {
		t.Fatalf("got %v, %v", w, err)
	}
	run(t, l)
}

func kqMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The inotify tests of fswatch_test.go do not apply here; say so rather
// than leave them out silently.
func TestKqueueWatchLinuxOnlyTests(t *testing.T) {
	t.Skip("fswatch_test.go is Linux-only: its inotify decoder tests have no kqueue counterpart, " +
		"and its one-tick sequences (create, write, rename, remove before the loop looks) cannot be seen " +
		"by a watcher that reads directories again after each change; the step-by-step tests above cover the same events")
}
