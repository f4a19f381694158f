//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package eddy

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/sys/unix"
)

// How one batch of vnode events becomes WatchEvents (see fswatch_bsd.go).

// dirChange is an entry that went from, or appeared in, a watched
// directory during one batch.
type dirChange struct {
	path   string
	e      dirEntry
	typ    fs.FileMode // for an appeared entry: its type, to watch it
	paired bool
}

// dirChanges collects a batch's changes of directory entries, so that a
// rename is paired across directories.
type dirChanges struct {
	gone, born []dirChange
}

// noteWritten is what a directory reports when its entries change.
const noteWritten = unix.NOTE_WRITE | unix.NOTE_EXTEND | unix.NOTE_LINK

// handle turns the batch's vnode events into WatchEvents.
func (w *Watcher) handle() {
	w.ticking = false
	if w.closed {
		return
	}
	dirty := w.dirty
	w.dirty = nil
	for _, n := range dirty {
		n.dirty = false
		n.took, n.flags = n.flags, 0
	}
	// Entries first, so that a tree removed at once reports its contents,
	// then itself; and deeper directories first, so that a subtree is
	// read before its parent drops it.
	var dirs []*vnode
	for _, n := range dirty {
		if n.entries != nil && n.took&noteWritten != 0 {
			dirs = append(dirs, n)
		}
	}
	sort.SliceStable(dirs, func(i, j int) bool { return len(dirs[i].path) > len(dirs[j].path) })
	var ch dirChanges
	for _, n := range dirs {
		if n.open {
			w.rescan(n, &ch)
		}
	}
	w.settle(&ch)
	if t := w.top; t.took != 0 && !w.closed {
		if t.took&(unix.NOTE_DELETE|unix.NOTE_REVOKE) != 0 && removed(t) {
			w.queue(WatchEvent{Op: Remove, Name: w.root, IsDir: t.isDir})
			w.end(nil, true)
			return
		}
		if t.took&unix.NOTE_RENAME != 0 {
			w.queue(WatchEvent{Op: Rename, Name: w.root})
		}
	}
	for _, n := range dirty {
		f := n.took
		n.took = 0
		if !n.open || w.closed {
			continue
		}
		if !n.isDir && f&(unix.NOTE_WRITE|unix.NOTE_EXTEND) != 0 {
			w.queue(WatchEvent{Op: Write, Name: n.path})
		}
		attrib := uint32(unix.NOTE_ATTRIB)
		if !n.isDir {
			attrib |= unix.NOTE_LINK // a directory's count moves with its subdirectories
		}
		if f&attrib != 0 {
			w.queue(WatchEvent{Op: Chmod, Name: n.path, IsDir: n.isDir})
		}
	}
	w.batchDone()
}

// removed reports whether the watched path n is gone: a directory that
// was deleted, or a file deleted with no link left.
func removed(n *vnode) bool {
	if n.isDir || n.took&unix.NOTE_REVOKE != 0 {
		return true
	}
	var st unix.Stat_t
	if err := unix.Fstat(n.fd.Sock(), &st); err != nil {
		return true
	}
	return uint64(st.Nlink) == 0
}

// dirGone reports whether the watched directory d was deleted.
func dirGone(d *vnode) bool {
	if d.took&(unix.NOTE_DELETE|unix.NOTE_REVOKE) != 0 {
		return true
	}
	var st unix.Stat_t
	return unix.Fstat(d.fd.Sock(), &st) != nil || st.Nlink == 0
}

// rescan reads the directory d again and records what went and what
// appeared since its last reading.
func (w *Watcher) rescan(d *vnode, ch *dirChanges) {
	ents, err := os.ReadDir(d.path)
	if err != nil {
		// Unreadable for now (the next change reads it again), or moved
		// away (its name is stale): nothing can be said of its entries,
		// unless it is gone, and then they all are.
		if !errors.Is(err, fs.ErrNotExist) || !dirGone(d) {
			return
		}
		ents = nil
	}
	present := make(map[string]fs.FileMode, len(ents))
	for _, e := range ents {
		present[e.Name()] = e.Type()
	}
	var goneNames []string
	for name, old := range d.entries {
		p := filepath.Join(d.path, name)
		if _, ok := present[name]; !ok {
			goneNames = append(goneNames, name)
			continue
		}
		// The same name may now be another file (replaced by a rename):
		// its watch said it was deleted or renamed.
		if n := w.nodes[p]; n != nil && n.took&(unix.NOTE_DELETE|unix.NOTE_RENAME) != 0 {
			if de, ok := lstatEntry(p); ok && de.id != old.id {
				ch.gone = append(ch.gone, dirChange{path: p, e: old})
				ch.born = append(ch.born, dirChange{path: p, e: de, typ: present[name]})
				d.entries[name] = de
			}
		}
	}
	sort.Strings(goneNames)
	for _, name := range goneNames {
		ch.gone = append(ch.gone, dirChange{path: filepath.Join(d.path, name), e: d.entries[name]})
		delete(d.entries, name)
	}
	for _, e := range ents { // sorted by name
		if _, ok := d.entries[e.Name()]; ok {
			continue
		}
		p := filepath.Join(d.path, e.Name())
		de, ok := lstatEntry(p)
		if !ok {
			continue // gone again already
		}
		d.entries[e.Name()] = de
		ch.born = append(ch.born, dirChange{path: p, e: de, typ: e.Type()})
	}
}

// settle reports a batch's entry changes: a file that went and appeared
// elsewhere is a Rename; one that went is a Remove (or a Rename with no
// new name, when its own watch says it was renamed, out of the tree);
// one that appeared is a Create.
func (w *Watcher) settle(ch *dirChanges) {
	if len(ch.gone) == 0 && len(ch.born) == 0 {
		return
	}
	pair := make([]int, len(ch.gone))
	target := map[string]bool{}
	for i := range ch.gone {
		pair[i] = -1
		for j := range ch.born {
			b := &ch.born[j]
			if !b.paired && b.e.id == ch.gone[i].e.id {
				b.paired = true
				pair[i] = j
				target[b.path] = true
				break
			}
		}
	}
	// What went unpaired is dropped first, so that a rename over it can
	// take its place.
	for i, g := range ch.gone {
		if pair[i] >= 0 {
			continue
		}
		op := Remove
		if n := w.nodes[g.path]; n != nil && n.took&unix.NOTE_RENAME != 0 && n.took&unix.NOTE_DELETE == 0 {
			op = Rename
		}
		w.dropTree(g.path)
		if target[g.path] {
			continue // overwritten by a rename: the Rename says it
		}
		w.queue(WatchEvent{Op: op, Name: g.path, IsDir: g.e.isDir})
	}
	for i, g := range ch.gone {
		if pair[i] < 0 {
			continue
		}
		b := ch.born[pair[i]]
		w.queue(WatchEvent{Op: Rename, Name: b.path, OldName: g.path, IsDir: b.e.isDir})
		w.moveNodes(g.path, b.path)
	}
	for _, b := range ch.born {
		if b.paired {
			continue
		}
		w.queue(WatchEvent{Op: Create, Name: b.path, IsDir: b.e.isDir})
		_ = w.watchEntry(b.path, b.typ, true)
	}
}
