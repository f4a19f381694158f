//go:build windows

package eddy

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// tempDir makes a directory that is removed after the test. t.TempDir is
// not used: its cleanup fails under Wine 8 (see skipUnderWine).
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "eddy-watch")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rmTree(dir) })
	return dir
}

// rmTree removes a tree one entry at a time, with os.Remove.
func rmTree(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() {
			rmTree(p)
		} else {
			os.Remove(p)
		}
	}
	os.Remove(dir)
}

// watchSteps runs a watch on a loop, makes the changes of steps one per
// loop turn after the watch exists, and returns the events seen until
// done reports true for them.
func watchSteps(t *testing.T, path string, opts WatchOptions, steps []func(), done func([]WatchEvent) bool) []WatchEvent {
	t.Helper()
	l := newLoop(t)
	var evs []WatchEvent
	var w *Watcher
	l.Post(func() {
		var err error
		w, err = l.Watch(path, opts, func(ev WatchEvent) {
			evs = append(evs, ev)
			if done(evs) {
				w.Close()
			}
		})
		if err != nil {
			t.Error(err)
			return
		}
		var step func(int)
		step = func(i int) {
			if i < len(steps) {
				steps[i]()
				l.AfterFunc(10*time.Millisecond, func() { step(i + 1) })
			}
		}
		step(0)
	})
	run(t, l)
	return evs
}

func has(evs []WatchEvent, op Op, name string) bool {
	for _, ev := range evs {
		if ev.Op.Has(op) && ev.Name == name {
			return true
		}
	}
	return false
}

func TestWatchDirectoryChanges(t *testing.T) {
	leakcheck.Check(t)
	dir := tempDir(t)
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	evs := watchSteps(t, dir, WatchOptions{}, []func(){
		func() { os.WriteFile(a, []byte("1"), 0o600) },
		func() { os.WriteFile(a, []byte("12"), 0o600) },
		func() { os.Rename(a, b) },
		func() { os.Remove(b) },
	}, func(evs []WatchEvent) bool { return has(evs, Remove, b) })
	if !has(evs, Create, a) {
		t.Errorf("no Create of a: %v", evs)
	}
	var renamed bool
	for _, ev := range evs {
		if ev.Op == Rename && ev.OldName == a && ev.Name == b {
			renamed = true
		}
	}
	if !renamed {
		t.Errorf("no paired Rename a → b: %v", evs)
	}
}

func TestWatchRecursive(t *testing.T) {
	leakcheck.Check(t)
	dir := tempDir(t)
	sub := filepath.Join(dir, "sub")
	f := filepath.Join(sub, "deep.txt")
	evs := watchSteps(t, dir, WatchOptions{Recursive: true}, []func(){
		func() { os.Mkdir(sub, 0o700) },
		func() { os.WriteFile(f, []byte("x"), 0o600) },
	}, func(evs []WatchEvent) bool { return has(evs, Create, f) })
	for _, ev := range evs {
		if ev.Name == sub && ev.Op.Has(Create) && !ev.IsDir {
			t.Errorf("new directory not marked IsDir: %v", ev)
		}
	}
}

// A watch on a file sees only that file, and ends when it is removed.
func TestWatchFile(t *testing.T) {
	leakcheck.Check(t)
	dir := tempDir(t)
	f := filepath.Join(dir, "watched.txt")
	other := filepath.Join(dir, "other.txt")
	os.WriteFile(f, nil, 0o600)
	var closeErr error = os.ErrInvalid
	evs := watchSteps(t, f, WatchOptions{OnClose: func(err error) { closeErr = err }}, []func(){
		func() { os.WriteFile(other, []byte("x"), 0o600) },
		func() { os.WriteFile(f, []byte("y"), 0o600) },
		func() { os.Remove(f) },
	}, func([]WatchEvent) bool { return false })
	for _, ev := range evs {
		if ev.Name != f {
			t.Errorf("event for another file: %v", ev)
		}
	}
	if !has(evs, Write, f) || !has(evs, Remove, f) || closeErr != nil {
		t.Fatalf("events %v, close %v", evs, closeErr)
	}
}

// notifyBuf encodes FILE_NOTIFY_INFORMATION records as the system lays
// them out: each one DWORD-aligned, the last with offset 0.
func notifyBuf(recs ...notifyRecord) []byte {
	var b []byte
	for i, r := range recs {
		name := utf16.Encode([]rune(r.Name))
		size := notifyHeader + 2*len(name)
		size = (size + 3) &^ 3
		rec := make([]byte, size)
		if i < len(recs)-1 {
			binary.LittleEndian.PutUint32(rec, uint32(size))
		}
		binary.LittleEndian.PutUint32(rec[4:], r.Action)
		binary.LittleEndian.PutUint32(rec[8:], uint32(2*len(name)))
		for j, u := range name {
			binary.LittleEndian.PutUint16(rec[notifyHeader+2*j:], u)
		}
		b = append(b, rec...)
	}
	return b
}

func TestDecodeNotify(t *testing.T) {
	want := []notifyRecord{{1, "a.txt"}, {4, `dir\old`}, {5, `dir\nëw`}, {2, "x"}}
	buf := notifyBuf(want...)
	var got []notifyRecord
	if err := decodeNotify(buf, func(r notifyRecord) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("record %d = %v, want %v", i, got[i], want[i])
		}
	}
	// The system hands whole buffers over; a buffer cut anywhere inside
	// the last record is malformed, and never read past its end.
	for n := 0; n < len(buf); n++ {
		last := len(buf) - len(notifyBuf(want[len(want)-1]))
		err := decodeNotify(buf[:n], func(notifyRecord) {})
		if n < last+notifyHeader+2 && err == nil {
			t.Fatalf("cut at %d: no error", n)
		}
	}
	// Offsets that point backwards or outside are refused.
	bad := notifyBuf(notifyRecord{1, "a"}, notifyRecord{1, "b"})
	binary.LittleEndian.PutUint32(bad, 4)
	if decodeNotify(bad, func(notifyRecord) {}) != errNotifyRecord {
		t.Fatal("short next offset accepted")
	}
	binary.LittleEndian.PutUint32(bad, 1<<31)
	if decodeNotify(bad, func(notifyRecord) {}) != errNotifyRecord {
		t.Fatal("next offset past the end accepted")
	}
}

func FuzzDecodeNotify(f *testing.F) {
	f.Add(notifyBuf(notifyRecord{1, "a.txt"}))
	f.Add(notifyBuf(notifyRecord{4, "old"}, notifyRecord{5, "new"}))
	f.Add([]byte{})
	f.Add(make([]byte, 12))
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		err := decodeNotify(b, func(r notifyRecord) { n++ })
		if err != nil && err != errNotifyRecord {
			t.Fatalf("unexpected error type %v", err)
		}
		if n > len(b)/notifyHeader+1 {
			t.Fatalf("%d records from %d bytes", n, len(b))
		}
	})
}
