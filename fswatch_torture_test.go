//go:build linux

// Linux only: the inotify backend reports every change in order through
// one queue, which is what lets the test below wait for a marker file
// and then demand every earlier change. The kqueue backend rereads
// directories (a file that comes and goes between two readings is not
// seen, as documented) and Windows reports through ReadDirectoryChangesW
// with other rules, so neither could meet the same expectations.

package eddy

// A seeded, randomized torture test of file watches. A loop timer makes
// random changes in a temporary tree (create, write, chmod, remove,
// mkdir, remove a whole directory, rename inside the tree, move out of
// and into it) and adds and closes watches at random: non-recursive and
// recursive ones on the root, watches on files and on subdirectories,
// some with a coalescing window, and watches of missing paths. A model of
// the tree says which watcher must see which change.
//
// Invariants:
//   - every change to a path a watcher covers is reported to it with the
//     documented kind and name (checked for watchers without a
//     coalescing window at checkpoints: a marker file is created in the
//     root and, once a root watcher reports it, every change made before
//     it has been read from the one inotify queue);
//   - every event is well formed: Remove, Rename and Overflow stand
//     alone, only Rename carries OldName, the name lies under the watched
//     path (the path itself for a file watch), it existed, and IsDir
//     agrees with what was there;
//   - nothing is reported after Close returns; OnClose runs once, at once
//     for Close, with nil when the watched path was removed;
//   - a missing path gives an *fs.PathError matching fs.ErrNotExist;
//   - no panic reaches the loop, and no descriptor or goroutine leaks.
//
// EDDY_TORTURE=60s runs it longer, EDDY_TORTURE_SEED=n replays a seed.
//
// Known failures, not fixed yet: longer runs fail on a few seeds (8, 12
// and 21 of the first 24 at EDDY_TORTURE=3s; 7, 14 and 24 too before
// TestWatchNewWatcherGetsNoEarlierRecords was fixed), with an event under
// a directory's new name that happened under its old one, or a change
// not reported. The likely cause, shown for the first kind only: a walk
// (of a new directory, or of a renamed tree) meets a directory under the
// name a rename gave it before that rename's records are read, and
// watching it re-points its descriptor's path (inotify gives a directory
// one descriptor) while records made under the old name are still
// queued. Keeping the old path there (letting only the rename's records
// re-point it) was tried and lost other changes.

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/soak"
)

func TestWatchTorture(t *testing.T) {
	total := soak.Duration(t, 0)
	if testing.Short() && total == 0 {
		t.Skip("torture test skipped in -short mode")
	}
	active := 700 * time.Millisecond
	if total > 0 {
		active = 3 * time.Second
	}
	seeds := soak.Seeds(t, []uint64{1, 2, 3}, total, active)
	var actions, events int64
	start := time.Now()
	for _, seed := range seeds {
		a, e := watchTortureOnce(t, seed, active)
		actions += a
		events += e
		if t.Failed() {
			break
		}
	}
	t.Logf("%d seeds in %v: %d actions, %d events checked", len(seeds), time.Since(start).Round(time.Millisecond), actions, events)
}

// wtExpect is a change a watcher must report: some event from log index
// idx on satisfies ok.
type wtExpect struct {
	idx  int
	desc string
	ok   func(evs []WatchEvent) bool
}

// wtWatch is one watcher and what the test knows of it.
type wtWatch struct {
	kind     string // "root", "rec", "file", "sub"
	root     string
	w        *Watcher
	coalesce bool
	evs      []WatchEvent
	closes   []error
	closing  bool // Close was called
	stale    bool // its path was renamed: its names no longer follow the tree
	ended    bool // OnClose ran
	live     map[string]bool
	expects  []wtExpect
}

type wtState struct {
	t       *testing.T
	seed    uint64
	rng     *rand.Rand
	l       *Loop
	root    string
	out     string
	model   map[string]bool // path in the tree → is a directory
	ever    map[string]byte // path → 'f', 'd' or 'b' (both, at times)
	watches []*wtWatch
	n       int
	actions int64
	events  int64
	failed  bool
	trace   []string // the latest actions, shown on failure
}

// note records an action for the failure report.
func (s *wtState) note(format string, args ...any) {
	if len(s.trace) >= 60 {
		s.trace = s.trace[1:]
	}
	s.trace = append(s.trace, strings.ReplaceAll(fmt.Sprintf(format, args...), s.root, "R"))
}

func (s *wtState) fail(format string, args ...any) {
	if !s.failed {
		s.failed = true
		s.t.Errorf("seed %d (EDDY_TORTURE_SEED=%d to replay): "+format, append([]any{s.seed, s.seed}, args...)...)
		s.t.Logf("root %s; latest actions:\n%s", s.root, strings.Join(s.trace, "\n"))
	}
}

func (s *wtState) name(prefix string) string {
	s.n++
	return fmt.Sprintf("%s%d", prefix, s.n)
}

func (s *wtState) setModel(p string, dir bool) {
	s.model[p] = dir
	k := byte('f')
	if dir {
		k = 'd'
	}
	if o, ok := s.ever[p]; ok && o != k {
		k = 'b'
	}
	s.ever[p] = k
}

// paths returns the model's paths, sorted (for a deterministic choice),
// that satisfy keep.
func (s *wtState) paths(keep func(p string, dir bool) bool) []string {
	var ps []string
	for p, d := range s.model {
		if keep(p, d) {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	return ps
}

func (s *wtState) pick(ps []string) string {
	if len(ps) == 0 {
		return ""
	}
	return ps[s.rng.IntN(len(ps))]
}

// under reports whether p is q or lies under q.
func under(p, q string) bool {
	return p == q || strings.HasPrefix(p, q+string(filepath.Separator))
}

// open returns the watchers whose changes are still checked.
func (s *wtState) open() []*wtWatch {
	var ws []*wtWatch
	for _, w := range s.watches {
		if !w.closing && !w.ended && !w.stale {
			ws = append(ws, w)
		}
	}
	return ws
}

// watchesDir reports whether w must report changes to the entries of
// directory dir.
func (w *wtWatch) watchesDir(dir string) bool {
	switch w.kind {
	case "root", "sub":
		return dir == w.root
	case "rec":
		return dir == w.root || w.live[dir]
	}
	return false
}

func (w *wtWatch) expect(desc string, ok func([]WatchEvent) bool) {
	if w.coalesce {
		return // its window may hold events at a checkpoint
	}
	w.expects = append(w.expects, wtExpect{idx: len(w.evs), desc: desc, ok: ok})
}

func (w *wtWatch) expectOp(op Op, name string) {
	w.expect(fmt.Sprintf("%v %s", op, name), func(evs []WatchEvent) bool {
		for _, ev := range evs {
			if ev.Name == name && ev.Op.Has(op) {
				return true
			}
		}
		return false
	})
}

// event checks one event as it arrives.
func (s *wtState) event(w *wtWatch, ev WatchEvent) {
	s.events++
	if w.closing || w.ended {
		s.fail("%s watch of %s: event %+v after Close or OnClose", w.kind, w.root, ev)
		return
	}
	w.evs = append(w.evs, ev)
	const single = Remove | Rename | Overflow
	if ev.Op == 0 || ev.Op&^(Create|Write|Remove|Rename|Chmod|Overflow) != 0 ||
		(ev.Op&single != 0 && ev.Op&(ev.Op-1) != 0) {
		s.fail("%s watch of %s: malformed op in %+v", w.kind, w.root, ev)
	}
	if ev.OldName != "" && ev.Op != Rename {
		s.fail("%s watch of %s: OldName on a %v: %+v", w.kind, w.root, ev.Op, ev)
	}
	if ev.Op == Overflow {
		if ev.Name != w.root {
			s.fail("%s watch of %s: Overflow named %s", w.kind, w.root, ev.Name)
		}
		// Lost events: nothing earlier can be demanded any more.
		for _, o := range s.watches {
			o.expects = nil
		}
		return
	}
	if w.stale {
		return // names relative to where the path was
	}
	for _, n := range []string{ev.Name, ev.OldName} {
		if n == "" {
			continue
		}
		switch w.kind {
		case "file":
			if n != w.root {
				s.fail("file watch of %s: event for %s: %+v", w.root, n, ev)
			}
		case "root", "sub":
			if n != w.root && filepath.Dir(n) != w.root {
				s.fail("non-recursive watch of %s: event for %s: %+v", w.root, n, ev)
			}
		case "rec":
			if !under(n, w.root) {
				s.fail("recursive watch of %s: event for %s: %+v", w.root, n, ev)
			}
		}
		k, ok := s.ever[n]
		if !ok {
			s.fail("%s watch of %s: event for %s, which never existed: %+v", w.kind, w.root, n, ev)
		} else if k != 'b' && (k == 'd') != ev.IsDir && n == ev.Name {
			s.fail("%s watch of %s: IsDir %v for %s, which was only ever a %c: %+v", w.kind, w.root, ev.IsDir, n, k, ev)
		}
	}
}

// addWatch watches path as kind.
func (s *wtState) addWatch(kind, path string) {
	w := &wtWatch{kind: kind, root: path, live: map[string]bool{}}
	opts := WatchOptions{Recursive: kind == "rec"}
	if s.rng.IntN(4) == 0 && kind != "root" {
		w.coalesce = true
		opts.Coalesce = time.Duration(1+s.rng.IntN(5)) * time.Millisecond
	}
	opts.OnClose = func(err error) {
		w.closes = append(w.closes, err)
		if len(w.closes) > 1 {
			s.fail("%s watch of %s: OnClose ran %d times: %v", kind, path, len(w.closes), w.closes)
		}
		w.ended = true
	}
	var err error
	s.note("watch %s as %s (coalesce %v)", path, kind, opts.Coalesce)
	w.w, err = s.l.Watch(path, opts, func(ev WatchEvent) { s.event(w, ev) })
	if err != nil {
		s.fail("Watch(%s) as %s: %v", path, kind, err)
		return
	}
	if kind == "rec" {
		for p, d := range s.model {
			if d && under(p, path) {
				w.live[p] = true
			}
		}
	}
	s.watches = append(s.watches, w)
}

// closeWatch closes w, which must call OnClose(nil) at once.
func (s *wtState) closeWatch(w *wtWatch) {
	s.note("close the %s watch of %s", w.kind, w.root)
	wasEnded := w.ended
	w.closing = true
	if err := w.w.Close(); err != nil {
		s.fail("Close: %v", err)
	}
	if !wasEnded && (len(w.closes) != 1 || w.closes[0] != nil) {
		s.fail("%s watch of %s: after Close, OnClose calls %v; want one, nil", w.kind, w.root, w.closes)
	}
	if !w.w.Closed() {
		s.fail("%s watch of %s: Closed() false after Close", w.kind, w.root)
	}
	if err := w.w.Close(); err != nil {
		s.fail("second Close: %v", err)
	}
}

// removed updates the model and the watchers for the removal of p (and
// what lies under it), given the changes in ps (deepest first).
func (s *wtState) removed(ps []string) {
	for _, p := range ps {
		dir := s.model[p]
		for _, w := range s.open() {
			if w.watchesDir(filepath.Dir(p)) {
				w.expectOp(Remove, p)
			}
			if w.root == p {
				w.expectOp(Remove, p)
				w.expect("OnClose(nil) after removal of "+p, func([]WatchEvent) bool {
					return len(w.closes) == 1 && w.closes[0] == nil
				})
			}
		}
		delete(s.model, p)
		if dir {
			for _, w := range s.watches {
				delete(w.live, p)
			}
		}
	}
}

// moved updates the model and watchers for a rename of from to to (""
// for out of the tree), made when neither end was missing.
func (s *wtState) moved(from, to string) {
	for _, w := range s.open() {
		f := w.watchesDir(filepath.Dir(from))
		t := to != "" && w.watchesDir(filepath.Dir(to))
		switch {
		case f && t:
			w.expect("RENAME "+from+" > "+to, func(evs []WatchEvent) bool {
				var old, nu bool
				for _, ev := range evs {
					if ev.Op == Rename && ev.Name == to && ev.OldName == from {
						return true
					}
					// The two records read in two batches: reported apart.
					old = old || (ev.Op == Rename && ev.Name == from && ev.OldName == "")
					nu = nu || (ev.Name == to && ev.Op.Has(Create))
				}
				return old && nu
			})
		case f:
			w.expect("RENAME "+from+" (out)", func(evs []WatchEvent) bool {
				for _, ev := range evs {
					if ev.Op == Rename && ev.Name == from && ev.OldName == "" {
						return true
					}
					// A recursive watch may already watch a directory
					// the model does not count on yet (made since the
					// last checkpoint): then both ends are its.
					if ev.Op == Rename && ev.OldName == from && ev.Name == to && to != "" && w.kind == "rec" {
						return true
					}
				}
				return false
			})
		case t:
			w.expect("CREATE "+to+" (moved in)", func(evs []WatchEvent) bool {
				for _, ev := range evs {
					if ev.Name == to && (ev.Op.Has(Create) || (w.kind == "rec" && ev.Op == Rename && ev.OldName == from)) {
						return true
					}
				}
				return false
			})
		}
		if w.root == from {
			w.expectOp(Rename, from)
		}
	}
	for _, w := range s.open() {
		if under(w.root, from) {
			w.stale = true
		}
	}
	// Move the model's entries and the recursive watchers' live
	// directories.
	var ps []string
	for p := range s.model {
		if under(p, from) {
			ps = append(ps, p)
		}
	}
	moves := map[string]bool{}
	for _, p := range ps {
		moves[p] = s.model[p]
		delete(s.model, p)
	}
	for _, w := range s.watches {
		if w.kind != "rec" {
			continue
		}
		keep := to != "" && w.watchesDir(filepath.Dir(to)) && w.watchesDir(filepath.Dir(from))
		for p := range w.live {
			if under(p, from) {
				delete(w.live, p)
				if keep {
					w.live[to+p[len(from):]] = true
				}
			}
		}
	}
	if to != "" {
		for p, d := range moves {
			s.setModel(to+p[len(from):], d)
		}
	}
}

// step makes one random change.
func (s *wtState) step() {
	s.actions++
	r := s.rng
	dirs := s.paths(func(p string, d bool) bool { return d })
	files := s.paths(func(p string, d bool) bool { return !d })
	switch a := r.IntN(100); {
	case a < 18: // create a file
		dir := s.pick(dirs)
		p := filepath.Join(dir, s.name("f"))
		if err := os.WriteFile(p, []byte("new"), 0o644); err != nil {
			s.fail("create %s: %v", p, err)
			return
		}
		s.setModel(p, false)
		s.note("create %s", p)
		for _, w := range s.open() {
			if w.watchesDir(dir) {
				w.expectOp(Create, p)
			}
		}
	case a < 32: // write a file
		p := s.pick(files)
		if p == "" {
			return
		}
		if err := os.WriteFile(p, []byte(strings.Repeat("x", 1+r.IntN(100))), 0o644); err != nil {
			s.fail("write %s: %v", p, err)
			return
		}
		s.note("write %s", p)
		for _, w := range s.open() {
			if w.watchesDir(filepath.Dir(p)) || w.root == p {
				w.expectOp(Write, p)
			}
		}
	case a < 40: // chmod anything
		p := s.pick(s.paths(func(string, bool) bool { return true }))
		mode := os.FileMode(0o644)
		if s.model[p] {
			mode = 0o755
		}
		if r.IntN(2) == 0 {
			mode |= 0o020
		}
		if err := os.Chmod(p, mode); err != nil {
			s.fail("chmod %s: %v", p, err)
			return
		}
		s.note("chmod %s", p)
		for _, w := range s.open() {
			if w.watchesDir(filepath.Dir(p)) || w.root == p || w.live[p] {
				w.expectOp(Chmod, p)
			}
		}
	case a < 48: // remove a file
		p := s.pick(files)
		if p == "" {
			return
		}
		if err := os.Remove(p); err != nil {
			s.fail("remove %s: %v", p, err)
			return
		}
		s.note("remove %s", p)
		s.removed([]string{p})
	case a < 56: // mkdir
		parent := s.pick(dirs)
		if strings.Count(parent[len(s.root):], string(filepath.Separator)) >= 3 {
			parent = s.root
		}
		p := filepath.Join(parent, s.name("d"))
		if err := os.Mkdir(p, 0o755); err != nil {
			s.fail("mkdir %s: %v", p, err)
			return
		}
		s.setModel(p, true)
		s.note("mkdir %s", p)
		for _, w := range s.open() {
			if w.watchesDir(parent) {
				w.expectOp(Create, p)
			}
		}
	case a < 61: // remove a directory and all it holds
		p := s.pick(dirs[1:])
		if p == "" {
			return
		}
		ps := s.paths(func(q string, _ bool) bool { return under(q, p) })
		// Deepest first, as RemoveAll goes.
		slices.SortFunc(ps, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
		if err := os.RemoveAll(p); err != nil {
			s.fail("remove all %s: %v", p, err)
			return
		}
		s.note("remove all %s", p)
		s.removed(ps)
	case a < 72: // rename inside the tree
		from := s.pick(s.paths(func(p string, _ bool) bool { return p != s.root }))
		if from == "" {
			return
		}
		parent := s.pick(s.paths(func(p string, d bool) bool { return d && !under(p, from) }))
		to := filepath.Join(parent, s.name("r"))
		if err := os.Rename(from, to); err != nil {
			s.fail("rename %s %s: %v", from, to, err)
			return
		}
		s.note("rename %s %s", from, to)
		s.moved(from, to)
	case a < 76: // move out of the tree
		from := s.pick(s.paths(func(p string, _ bool) bool { return p != s.root }))
		if from == "" {
			return
		}
		if err := os.Rename(from, filepath.Join(s.out, s.name("o"))); err != nil {
			s.fail("move out %s: %v", from, err)
			return
		}
		s.note("move out %s", from)
		s.moved(from, "")
	case a < 81: // move in from outside
		parent := s.pick(dirs)
		src := filepath.Join(s.out, s.name("i"))
		isDir := r.IntN(2) == 0
		var err error
		if isDir {
			err = os.Mkdir(src, 0o755)
			if err == nil {
				err = os.WriteFile(filepath.Join(src, "inner"), []byte("x"), 0o644)
			}
		} else {
			err = os.WriteFile(src, []byte("x"), 0o644)
		}
		to := filepath.Join(parent, filepath.Base(src))
		if err == nil {
			err = os.Rename(src, to)
		}
		if err != nil {
			s.fail("move in %s: %v", to, err)
			return
		}
		s.setModel(to, isDir)
		s.note("move in %s (dir %v)", to, isDir)
		if isDir {
			s.setModel(filepath.Join(to, "inner"), false)
		}
		for _, w := range s.open() {
			if w.watchesDir(parent) {
				w.expectOp(Create, to)
			}
		}
	case a < 89: // add a watch
		switch r.IntN(4) {
		case 0:
			s.addWatch("root", s.root)
		case 1:
			s.addWatch("rec", s.root)
		case 2:
			if p := s.pick(files); p != "" {
				s.addWatch("file", p)
			}
		case 3:
			if p := s.pick(dirs[1:]); p != "" {
				kind := "sub"
				if r.IntN(2) == 0 {
					kind = "rec"
				}
				s.addWatch(kind, p)
			}
		}
	case a < 96: // close a watch
		var ws []*wtWatch
		for _, w := range s.watches[1:] { // not the checkpoint watcher
			if !w.closing {
				ws = append(ws, w)
			}
		}
		if len(ws) > 0 {
			s.closeWatch(ws[r.IntN(len(ws))])
		}
	default: // watch a missing path
		p := filepath.Join(s.root, s.name("missing"))
		w, err := s.l.Watch(p, WatchOptions{}, func(WatchEvent) {})
		var pe *fs.PathError
		if err == nil || !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || w != nil {
			s.fail("Watch of a missing path: %v, %v; want an *fs.PathError matching fs.ErrNotExist", w, err)
			if w != nil {
				w.Close()
			}
		}
	}
}

// checkpoint verifies what every watcher without a window must have
// reported by now.
func (s *wtState) checkpoint() {
	s.note("checkpoint")
	for _, w := range s.watches {
		if w.closing || w.coalesce {
			w.expects = nil
			continue
		}
		for _, e := range w.expects {
			if !e.ok(w.evs[e.idx:]) {
				var watched []string
				for _, p := range w.w.dirs {
					watched = append(watched, strings.ReplaceAll(p, s.root, "R"))
				}
				slices.Sort(watched)
				s.fail("%s watch %d of %s (stale %v, ended %v): no %s reported; events since: %+v; it watches %v",
					w.kind, slices.Index(s.watches, w), w.root, w.stale, w.ended, e.desc, w.evs[e.idx:], watched)
				return
			}
		}
		w.expects = nil
		if w.kind == "rec" && !w.stale && !w.ended {
			// Every directory there now has been reported and watched.
			for p, d := range s.model {
				if d && under(p, w.root) {
					w.live[p] = true
				}
			}
		}
	}
}

func watchTortureOnce(t *testing.T, seed uint64, active time.Duration) (int64, int64) {
	leakcheck.Check(t)
	s := &wtState{t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 0x77617463)),
		root: t.TempDir(), out: t.TempDir(), model: map[string]bool{}, ever: map[string]byte{}}
	s.setModel(s.root, true)
	s.l = newLoop(t, WithPanicHandler(func(v any, stack []byte) {
		s.fail("panic reached the loop's handler: %v\n%s", v, stack)
	}))
	// The checkpoint watcher: a plain watch of the root that sees each
	// marker file.
	s.addWatch("root", s.root)
	cp := s.watches[0]
	deadline := time.Now().Add(active)
	mark := ""
	var tick func()
	next := func() { s.l.AfterFunc(time.Duration(s.rng.IntN(300))*time.Microsecond, tick) }
	cp.w.fn = func(ev WatchEvent) {
		s.event(cp, ev)
		if mark != "" && ev.Name == mark && ev.Op.Has(Create) {
			mark = ""
			// After the rest of this batch is delivered to the others.
			s.l.AfterFunc(0, func() {
				s.checkpoint()
				next()
			})
		}
	}
	tick = func() {
		if s.failed || time.Now().After(deadline) {
			s.checkpointAndEnd()
			return
		}
		for range 1 + s.rng.IntN(6) {
			s.step()
			if s.failed {
				break
			}
		}
		if s.rng.IntN(4) == 0 {
			mark = filepath.Join(s.root, s.name("mark"))
			if err := os.WriteFile(mark, nil, 0o644); err != nil {
				s.fail("marker: %v", err)
			}
			s.setModel(mark, false)
			for _, w := range s.open() {
				if w.watchesDir(s.root) {
					w.expectOp(Create, mark)
				}
			}
			return // the checkpoint watcher resumes
		}
		next()
	}
	s.l.AfterFunc(0, tick)
	run(t, s.l)
	return s.actions, s.events
}

// checkpointAndEnd closes every watcher; the loop then ends.
func (s *wtState) checkpointAndEnd() {
	for _, w := range s.watches {
		if !w.closing {
			s.closeWatch(w)
		}
	}
}
