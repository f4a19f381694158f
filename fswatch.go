package eddy

import (
	"errors"
	"strings"
	"time"
)

// ErrWatchUnsupported is returned by Loop.Watch on systems where this
// version cannot watch files.
var ErrWatchUnsupported = errors.New("eddy: file watching not supported on this system")

// Op is a set of file-system changes reported by a Watcher.
type Op uint32

// The changes a Watcher reports.
const (
	// Create: a file or directory appeared (created, or moved in from
	// outside the watched tree).
	Create Op = 1 << iota
	// Write: a file's contents changed.
	Write
	// Remove: a file or directory was removed. For the watched path
	// itself it ends the watch.
	Remove
	// Rename: a file or directory was renamed. When both ends are
	// watched, one event carries both names (OldName and Name); a file
	// moved out of the watched tree gives Rename with its old name in
	// Name and an empty OldName.
	Rename
	// Chmod: attributes changed (mode, owner, times, link count).
	Chmod
	// Overflow: the kernel's event queue overflowed and events were
	// lost; Name is the watched path. Rescan what matters. (On Linux a
	// loop's watchers share one queue, so each of them gets Overflow; a
	// recursive watch also walks its tree again, so that directories
	// whose creation was lost are watched from then on.)
	Overflow
)

var opNames = []string{"CREATE", "WRITE", "REMOVE", "RENAME", "CHMOD", "OVERFLOW"}

// Has reports whether op includes every change in o.
func (op Op) Has(o Op) bool { return op&o == o }

// String returns the names of the changes in op, joined by "|".
func (op Op) String() string {
	var b strings.Builder
	for i, n := range opNames {
		if op&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(n)
		}
	}
	if b.Len() == 0 {
		return "0"
	}
	return b.String()
}

// WatchEvent is one change, or several coalesced changes, to one path.
type WatchEvent struct {
	Op      Op
	Name    string // the path, under the watched path (for Rename: the new one)
	OldName string // for a paired Rename: the path before; otherwise empty
	IsDir   bool   // the path is a directory
}

// WatchOptions configures Loop.Watch.
type WatchOptions struct {
	// Recursive watches a directory's whole tree: subdirectories that
	// exist when the watch starts, and those that appear later (their
	// contents at that moment are reported as Create events, since they
	// may predate the new watch).
	Recursive bool
	// Coalesce is the window over which bursts are merged. Changes to a
	// path that has a pending event (not a Remove or Rename) are merged
	// into it, so a thousand writes give one Write. Zero merges within one
	// batch read from the kernel; a positive window holds events on a
	// loop timer for that long after the first one.
	Coalesce time.Duration
	// OnClose runs once when the watch ends: nil after Close or when the
	// watched path was removed, ErrLoopStopped when the loop ended, or
	// the read error that ended it.
	OnClose func(err error)
}

// Watcher reports changes to a file or directory tree on its loop. An
// open Watcher keeps the loop alive unless Unref'd. Its methods are
// loop-only.
type Watcher struct {
	loop    *Loop
	root    string
	fn      func(WatchEvent)
	opts    WatchOptions
	pending []WatchEvent
	timer   *Timer
	closed  bool
	unref   bool
	sysWatch
}

// Path returns the watched path.
func (w *Watcher) Path() string { return w.root }

// Closed reports whether the watch has ended.
func (w *Watcher) Closed() bool { return w.closed }

// Close ends the watch; events still pending are dropped. OnClose(nil)
// follows, at once. Close on a closed watcher does nothing.
func (w *Watcher) Close() error {
	w.end(nil, false)
	return nil
}

// Unref stops the watcher from keeping the loop alive.
func (w *Watcher) Unref() {
	if !w.unref && !w.closed {
		w.loop.refs--
	}
	w.unref = true
}

// Ref undoes Unref.
func (w *Watcher) Ref() {
	if w.unref && !w.closed {
		w.loop.refs++
	}
	w.unref = false
}

// queue adds an event, merging it into the latest pending event for the
// same path when both only create, write or change attributes and no
// rename away from the path lies between them. It returns the index of
// the event in the pending list.
func (w *Watcher) queue(ev WatchEvent) int {
	const mergeable = Create | Write | Chmod
	if ev.Op&^mergeable == 0 {
		for i := len(w.pending) - 1; i >= 0; i-- {
			p := &w.pending[i]
			if p.OldName == ev.Name {
				break // renamed away since: ev is about a new file
			}
			if p.Name != ev.Name {
				continue
			}
			if p.Op&^mergeable == 0 {
				p.Op |= ev.Op
				p.IsDir = p.IsDir || ev.IsDir
				return i
			}
			break
		}
	}
	w.pending = append(w.pending, ev)
	return len(w.pending) - 1
}

// batchDone runs after each batch read from the kernel: it delivers the
// pending events at once, or starts the coalescing window.
func (w *Watcher) batchDone() {
	if w.closed || len(w.pending) == 0 {
		return
	}
	if w.opts.Coalesce <= 0 {
		w.flush()
		return
	}
	if w.timer == nil {
		w.timer = w.loop.AfterFunc(w.opts.Coalesce, func() {
			w.timer = nil
			w.flush()
		})
	}
}

// flush delivers the pending events.
func (w *Watcher) flush() {
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	w.beforeFlush()
	evs := w.pending
	w.pending = nil
	for _, ev := range evs {
		if w.closed {
			return
		}
		w.loop.call(func() { w.fn(ev) })
	}
}

// end stops the watch and calls OnClose(err). With deliver, pending
// events are delivered first.
func (w *Watcher) end(err error, deliver bool) {
	if w.closed {
		return
	}
	if deliver {
		w.flush()
		if w.closed { // the callback closed it
			return
		}
	}
	w.closed = true
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	w.pending = nil
	w.release()
	if t, ok := w.loop.watchState.(*watchTable); ok {
		delete(t.ws, w)
	}
	if !w.unref {
		w.loop.refs--
	}
	if w.opts.OnClose != nil {
		w.loop.call(func() { w.opts.OnClose(err) })
	}
}

// watchTable is a loop's set of open watchers, closed when it ends.
type watchTable struct {
	ws  map[*Watcher]struct{}
	sys any // what the system's watchers share (Linux: one inotify descriptor)
}

// watchers returns the loop's table of watchers, made on first use and
// dropped when the loop ends.
func (l *Loop) watchers() *watchTable {
	if t, ok := l.watchState.(*watchTable); ok {
		return t
	}
	t := &watchTable{ws: map[*Watcher]struct{}{}}
	l.watchState = t
	l.OnExit(func() {
		for w := range t.ws {
			w.end(ErrLoopStopped, false)
		}
		l.watchState = nil
	})
	return t
}
