//go:build linux

package eddy

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// watchLog collects a watcher's events.
type watchLog struct {
	evs    []WatchEvent
	closes []error
}

// ops returns the union of the ops reported for name.
func (wl *watchLog) ops(name string) Op {
	var op Op
	for _, ev := range wl.evs {
		if ev.Name == name {
			op |= ev.Op
		}
	}
	return op
}

func (wl *watchLog) count(name string) int {
	n := 0
	for _, ev := range wl.evs {
		if ev.Name == name {
			n++
		}
	}
	return n
}

// startWatch watches path on l; each event is logged and then until is
// asked whether the test is done (then the watcher is closed).
func startWatch(t *testing.T, l *Loop, path string, opts WatchOptions, until func(wl *watchLog, ev WatchEvent) bool) (*Watcher, *watchLog) {
	t.Helper()
	wl := &watchLog{}
	var w *Watcher
	opts.OnClose = func(err error) { wl.closes = append(wl.closes, err) }
	w, err := l.Watch(path, opts, func(ev WatchEvent) {
		wl.evs = append(wl.evs, ev)
		if until != nil && until(wl, ev) {
			w.Close()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return w, wl
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestWatchDirectoryEvents(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	l := newLoop(t)
	w, wl := startWatch(t, l, dir, WatchOptions{}, func(_ *watchLog, ev WatchEvent) bool {
		return ev.Name == b && ev.Op.Has(Remove)
	})
	l.NextTick(func() {
		must(t, os.WriteFile(a, []byte("x"), 0o644))
		must(t, os.Chmod(a, 0o600))
		f, err := os.OpenFile(a, os.O_WRONLY|os.O_APPEND, 0)
		must(t, err)
		f.Write([]byte("more"))
		f.Close()
		must(t, os.Rename(a, b))
		must(t, os.Remove(b))
	})
	run(t, l)
	if got := wl.ops(a); !got.Has(Create | Write | Chmod) {
		t.Errorf("ops on a: %v", got)
	}
	var renamed bool
	for _, ev := range wl.evs {
		if ev.Op == Rename && ev.OldName == a && ev.Name == b && !ev.IsDir {
			renamed = true
		}
	}
	if !renamed || !wl.ops(b).Has(Remove) {
		t.Errorf("events %+v", wl.evs)
	}
	if !w.Closed() || len(wl.closes) != 1 || wl.closes[0] != nil || w.Path() != dir {
		t.Errorf("closed %v, OnClose %v", w.Closed(), wl.closes)
	}
}

func TestWatchFile(t *testing.T) {
	leakcheck.Check(t)
	f := filepath.Join(t.TempDir(), "f")
	must(t, os.WriteFile(f, nil, 0o644))
	l := newLoop(t)
	w, wl := startWatch(t, l, f, WatchOptions{}, nil)
	step := 0
	var next func()
	next = func() {
		switch step {
		case 0:
			must(t, os.WriteFile(f, []byte("data"), 0o644))
		case 1:
			must(t, os.Chmod(f, 0o600))
		case 2:
			must(t, os.Remove(f))
		}
		step++
	}
	// Each step waits for the previous one's event, so that none merge.
	w.fn = func(ev WatchEvent) {
		wl.evs = append(wl.evs, ev)
		if step < 3 {
			next()
		}
	}
	l.NextTick(next)
	run(t, l) // the removal ends the watch, and with it the loop
	if !wl.ops(f).Has(Write|Chmod|Remove) || wl.evs[len(wl.evs)-1].Op != Remove {
		t.Fatalf("events %+v", wl.evs)
	}
	if !w.Closed() || len(wl.closes) != 1 || wl.closes[0] != nil {
		t.Fatalf("OnClose %v", wl.closes)
	}
}

func TestWatchRenameAcrossDirectories(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	d1, d2 := filepath.Join(dir, "d1"), filepath.Join(dir, "d2")
	must(t, os.Mkdir(d1, 0o755))
	must(t, os.Mkdir(d2, 0o755))
	from, to := filepath.Join(d1, "f"), filepath.Join(d2, "g")
	must(t, os.WriteFile(from, []byte("x"), 0o644))
	l := newLoop(t)
	_, wl := startWatch(t, l, dir, WatchOptions{Recursive: true}, func(_ *watchLog, ev WatchEvent) bool {
		return ev.Op.Has(Rename)
	})
	l.NextTick(func() { must(t, os.Rename(from, to)) })
	run(t, l)
	want := WatchEvent{Op: Rename, Name: to, OldName: from}
	if len(wl.evs) != 1 || wl.evs[0] != want {
		t.Fatalf("events %+v, want %+v", wl.evs, want)
	}
}

func TestWatchRenameOutOfTree(t *testing.T) {
	leakcheck.Check(t)
	dir, out := t.TempDir(), t.TempDir()
	sub := filepath.Join(dir, "sub")
	must(t, os.Mkdir(sub, 0o755))
	l := newLoop(t)
	_, wl := startWatch(t, l, dir, WatchOptions{Recursive: true}, func(_ *watchLog, ev WatchEvent) bool {
		return ev.Name == filepath.Join(dir, "back")
	})
	l.NextTick(func() { must(t, os.Rename(sub, filepath.Join(out, "sub"))) })
	l.AfterFunc(time.Millisecond, func() {
		// Moved out: its watch is dropped, so this write is not seen.
		must(t, os.WriteFile(filepath.Join(out, "sub", "x"), nil, 0o644))
		must(t, os.WriteFile(filepath.Join(dir, "back"), nil, 0o644))
	})
	run(t, l)
	if wl.evs[0].Op != Rename || wl.evs[0].Name != sub || wl.evs[0].OldName != "" || !wl.evs[0].IsDir {
		t.Fatalf("events %+v", wl.evs)
	}
	if wl.count(filepath.Join(out, "sub", "x")) != 0 || wl.count(filepath.Join(sub, "x")) != 0 {
		t.Fatalf("event from a directory moved out: %+v", wl.evs)
	}
}

func TestWatchRecursivePicksUpNewSubdirectories(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	deep := filepath.Join(dir, "a", "b", "c")
	f := filepath.Join(deep, "f")
	l := newLoop(t)
	wrote := false
	_, wl := startWatch(t, l, dir, WatchOptions{Recursive: true}, func(wl *watchLog, ev WatchEvent) bool {
		if ev.Name == f && !wrote {
			// f is known: now a write in the new directory must be seen.
			wrote = true
			must(t, os.WriteFile(f, []byte("again"), 0o644))
			return false
		}
		return wrote && ev.Name == f && ev.Op.Has(Write)
	})
	l.NextTick(func() {
		must(t, os.MkdirAll(deep, 0o755))
		must(t, os.WriteFile(f, []byte("x"), 0o644))
	})
	run(t, l)
	for _, p := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "a", "b"), deep, f} {
		if !wl.ops(p).Has(Create) {
			t.Errorf("no Create for %s: %+v", p, wl.evs)
		}
	}
	for _, ev := range wl.evs {
		if ev.Name == deep && !ev.IsDir {
			t.Errorf("%s not reported as a directory", deep)
		}
	}
}

func TestWatchRemoveWatchedDirectory(t *testing.T) {
	leakcheck.Check(t)
	dir := filepath.Join(t.TempDir(), "w")
	must(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "sub", "f"), nil, 0o644))
	l := newLoop(t)
	w, wl := startWatch(t, l, dir, WatchOptions{Recursive: true}, nil)
	l.NextTick(func() { must(t, os.RemoveAll(dir)) })
	run(t, l) // ends by itself: the watch ends with its directory
	last := wl.evs[len(wl.evs)-1]
	if last.Op != Remove || last.Name != dir || !last.IsDir {
		t.Fatalf("last event %+v of %+v", last, wl.evs)
	}
	if !wl.ops(filepath.Join(dir, "sub", "f")).Has(Remove) || !wl.ops(filepath.Join(dir, "sub")).Has(Remove) {
		t.Fatalf("events %+v", wl.evs)
	}
	if !w.Closed() || len(wl.closes) != 1 || wl.closes[0] != nil {
		t.Fatalf("OnClose %v", wl.closes)
	}
}

func TestWatchMissingPath(t *testing.T) {
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

func TestWatchCoalesce(t *testing.T) {
	leakcheck.Check(t)
	for _, window := range []time.Duration{0, 300 * time.Millisecond} {
		t.Run(window.String(), func(t *testing.T) {
			dir := t.TempDir()
			a, b, done := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "done")
			fa, err := os.Create(a)
			must(t, err)
			defer fa.Close()
			fb, err := os.Create(b)
			must(t, err)
			defer fb.Close()
			l := newLoop(t)
			_, wl := startWatch(t, l, dir, WatchOptions{Coalesce: window}, func(_ *watchLog, ev WatchEvent) bool {
				return ev.Name == done
			})
			const turns, perTurn = 10, 50
			turn := 0
			var write func()
			write = func() {
				// Interleaved, so that the kernel's own merging of
				// identical consecutive events does not apply.
				for i := 0; i < perTurn; i++ {
					fa.Write([]byte("a"))
					fb.Write([]byte("b"))
				}
				if turn++; turn < turns {
					l.AfterFunc(time.Millisecond, write)
				} else {
					must(t, os.WriteFile(done, nil, 0o644))
				}
			}
			l.NextTick(write)
			run(t, l)
			na, nb := wl.count(a), wl.count(b)
			if na == 0 || nb == 0 || wl.ops(a) != Write || wl.ops(b) != Write {
				t.Fatalf("events %+v", wl.evs)
			}
			limit := turns // one per batch at most without a window
			if window > 0 {
				limit = turns / 2 // the window spans several turns
			}
			if na > limit || nb > limit {
				t.Fatalf("%d and %d events for %d writes each: not coalesced", na, nb, turns*perTurn)
			}
		})
	}
}

func TestWatchCloseAndUnref(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	l := newLoop(t)
	w, wl := startWatch(t, l, dir, WatchOptions{}, nil)
	w.Unref()
	w.Ref()
	w.Unref()
	run(t, l) // the unref'd watcher does not keep the loop alive
	if !w.Closed() || len(wl.closes) != 1 || !errors.Is(wl.closes[0], ErrLoopStopped) {
		t.Fatalf("closed %v OnClose %v", w.Closed(), wl.closes)
	}
	w.Close() // no second OnClose
	if len(wl.closes) != 1 {
		t.Fatal("OnClose ran twice")
	}
}

func TestWatchQueueMerges(t *testing.T) {
	w := &Watcher{}
	w.queue(WatchEvent{Op: Create, Name: "x"})
	w.queue(WatchEvent{Op: Write, Name: "y"})
	w.queue(WatchEvent{Op: Write, Name: "x"})
	w.queue(WatchEvent{Op: Chmod, Name: "x"})
	w.queue(WatchEvent{Op: Remove, Name: "x"})
	w.queue(WatchEvent{Op: Write, Name: "x"}) // after a removal: kept apart
	want := []WatchEvent{
		{Op: Create | Write | Chmod, Name: "x"},
		{Op: Write, Name: "y"},
		{Op: Remove, Name: "x"},
		{Op: Write, Name: "x"},
	}
	if !reflect.DeepEqual(w.pending, want) {
		t.Fatalf("got %+v", w.pending)
	}
	if s := (Create | Rename | Overflow).String(); s != "CREATE|RENAME|OVERFLOW" {
		t.Fatal(s)
	}
	if Op(0).String() != "0" || !(Write | Chmod).Has(Chmod) || Write.Has(Write|Chmod) {
		t.Fatal("Op helpers")
	}
}

// encodeRecord builds an inotify_event as the kernel lays it out.
func encodeRecord(wd int32, mask, cookie uint32, name string, pad int) []byte {
	n := 0
	if name != "" || pad > 0 {
		n = len(name) + 1 + pad
	}
	b := make([]byte, inotifyHeader+n)
	binary.NativeEndian.PutUint32(b[0:], uint32(wd))
	binary.NativeEndian.PutUint32(b[4:], mask)
	binary.NativeEndian.PutUint32(b[8:], cookie)
	binary.NativeEndian.PutUint32(b[12:], uint32(n))
	copy(b[inotifyHeader:], name)
	return b
}

func decodeAll(t testing.TB, chunks ...[]byte) ([]inotifyRecord, error) {
	var d inotifyDecoder
	var got []inotifyRecord
	for _, c := range chunks {
		if err := d.Feed(c, func(r inotifyRecord) { got = append(got, r) }); err != nil {
			return got, err
		}
	}
	return got, nil
}

func TestInotifyDecoderSplitAnywhere(t *testing.T) {
	var stream []byte
	stream = append(stream, encodeRecord(1, 0x100, 0, "file.txt", 7)...)
	stream = append(stream, encodeRecord(2, 0x40, 77, "old", 12)...)
	stream = append(stream, encodeRecord(2, 0x80, 77, "new", 0)...)
	stream = append(stream, encodeRecord(-1, 0x4000, 0, "", 0)...)
	stream = append(stream, encodeRecord(3, 0x400, 0, "", 0)...)
	want := []inotifyRecord{
		{Wd: 1, Mask: 0x100, Name: "file.txt"},
		{Wd: 2, Mask: 0x40, Cookie: 77, Name: "old"},
		{Wd: 2, Mask: 0x80, Cookie: 77, Name: "new"},
		{Wd: -1, Mask: 0x4000},
		{Wd: 3, Mask: 0x400},
	}
	for i := 0; i <= len(stream); i++ {
		for j := i; j <= len(stream); j++ {
			got, err := decodeAll(t, stream[:i], stream[i:j], stream[j:])
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("split %d,%d: %+v, %v", i, j, got, err)
			}
		}
	}
	// One byte at a time.
	var d inotifyDecoder
	var got []inotifyRecord
	for _, c := range stream {
		must(t, d.Feed([]byte{c}, func(r inotifyRecord) { got = append(got, r) }))
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("byte by byte: %+v", got)
	}
}

func TestInotifyDecoderRejectsHugeName(t *testing.T) {
	bad := encodeRecord(1, 0x100, 0, "x", 0)
	binary.NativeEndian.PutUint32(bad[12:], maxInotifyName+1)
	if _, err := decodeAll(t, bad); !errors.Is(err, errInotifyRecord) {
		t.Fatalf("got %v", err)
	}
}

func FuzzInotifyDecoder(f *testing.F) {
	f.Add(encodeRecord(1, 0x100, 0, "file.txt", 7), 3)
	f.Add(append(encodeRecord(2, 0x40, 77, "old", 12), encodeRecord(2, 0x80, 77, "new", 0)...), 20)
	f.Add(encodeRecord(-1, 0x4000, 0, "", 0), 0)
	f.Add([]byte{1, 2, 3}, 1)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		whole, werr := decodeAll(t, data)
		if cut < 0 {
			cut = -cut
		}
		if len(data) > 0 {
			cut %= len(data) + 1
		} else {
			cut = 0
		}
		split, serr := decodeAll(t, data[:cut], data[cut:])
		if (werr == nil) != (serr == nil) {
			t.Fatalf("whole err %v, split err %v", werr, serr)
		}
		if werr == nil && !reflect.DeepEqual(whole, split) {
			t.Fatalf("whole %+v, split at %d %+v", whole, cut, split)
		}
		for _, r := range whole {
			if len(r.Name) > maxInotifyName {
				t.Fatalf("name of %d bytes", len(r.Name))
			}
		}
	})
}

// A name created again after it was renamed away gets an event of its
// own: it must not merge into the Create from before the rename.
func TestWatchCreateAfterRenameNotMerged(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	x, y, end := filepath.Join(dir, "x"), filepath.Join(dir, "y"), filepath.Join(dir, "end")
	l := newLoop(t)
	_, wl := startWatch(t, l, dir, WatchOptions{}, func(_ *watchLog, ev WatchEvent) bool {
		return ev.Name == end
	})
	l.NextTick(func() {
		// One batch: nothing reads the descriptor before these return.
		must(t, os.WriteFile(x, nil, 0o644))
		must(t, os.Rename(x, y))
		must(t, os.WriteFile(x, nil, 0o644))
		must(t, os.WriteFile(end, nil, 0o644))
	})
	run(t, l)
	var ops []string
	for _, ev := range wl.evs {
		if ev.Name == x || ev.Name == y {
			ops = append(ops, ev.Op.String()+" "+filepath.Base(ev.OldName)+">"+filepath.Base(ev.Name))
		}
	}
	want := []string{"CREATE .>x", "RENAME x>y", "CREATE .>x"}
	if !reflect.DeepEqual(ops, want) {
		t.Fatalf("events %q, want %q", ops, want)
	}
}

// A directory moved out of the tree and back in before the watcher reads
// the events stays watched.
func TestWatchDirectoryMovedOutAndBack(t *testing.T) {
	leakcheck.Check(t)
	dir, out := t.TempDir(), t.TempDir()
	sub, away := filepath.Join(dir, "sub"), filepath.Join(out, "sub")
	x, end := filepath.Join(sub, "x"), filepath.Join(dir, "end")
	must(t, os.Mkdir(sub, 0o755))
	l := newLoop(t)
	wrote := false
	_, wl := startWatch(t, l, dir, WatchOptions{Recursive: true}, func(wl *watchLog, ev WatchEvent) bool {
		if !wrote && ev.Name == sub && ev.Op.Has(Create) {
			wrote = true
			must(t, os.WriteFile(x, nil, 0o644))
			must(t, os.WriteFile(end, nil, 0o644))
		}
		return ev.Name == end
	})
	l.NextTick(func() {
		// One batch: nothing reads the descriptor before these return.
		must(t, os.Rename(sub, away))
		must(t, os.Rename(away, sub))
	})
	run(t, l)
	if !wl.ops(x).Has(Create) {
		t.Fatalf("no Create for a file in the directory moved back: %+v", wl.evs)
	}
}

func TestWatchRootRenamedIsDir(t *testing.T) {
	leakcheck.Check(t)
	dir := filepath.Join(t.TempDir(), "d")
	must(t, os.Mkdir(dir, 0o755))
	l := newLoop(t)
	_, wl := startWatch(t, l, dir, WatchOptions{}, func(_ *watchLog, ev WatchEvent) bool {
		return ev.Op.Has(Rename)
	})
	l.NextTick(func() { must(t, os.Rename(dir, dir+"2")) })
	run(t, l)
	want := []WatchEvent{{Op: Rename, Name: dir, IsDir: true}}
	if !reflect.DeepEqual(wl.evs, want) {
		t.Fatalf("events %+v, want %+v", wl.evs, want)
	}
}
