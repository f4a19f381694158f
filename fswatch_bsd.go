//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package eddy

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/eddy-go/eddy/internal/poll"
)

// On macOS and the BSDs a Watcher opens each file and directory it
// watches and registers it with the loop's kqueue (EVFILT_VNODE). A
// directory says only that its entries changed (NOTE_WRITE), so it is
// read again then and compared with what it held: names that appeared
// are Create events, names that went are Remove events, and a name that
// went and one that appeared with the same file (device and inode) in the
// same batch are one Rename. Files say that they were written, extended,
// had their attributes changed, were renamed or deleted. The events of one
// poller batch are handled together, on the next tick, so that a rename's
// several knotes are seen at once.
//
// A watched directory holds one descriptor per entry watched (its files,
// and its subdirectories); a recursive watch holds one per file in the
// tree. Symbolic links, FIFOs, sockets and devices are listed but not
// opened.

// vnodeMask is what each vnode watch asks for.
const vnodeMask = unix.NOTE_WRITE | unix.NOTE_DELETE | unix.NOTE_RENAME |
	unix.NOTE_EXTEND | unix.NOTE_ATTRIB | unix.NOTE_LINK | unix.NOTE_REVOKE

// sysWatch is the kqueue part of a Watcher.
type sysWatch struct {
	nodes   map[string]*vnode // watched path → its watch
	top     *vnode            // the watch on the watched path
	dirty   []*vnode          // watches with events not yet handled
	ticking bool              // a next tick will handle dirty
}

// fileID names a file independently of its path.
type fileID struct{ dev, ino uint64 }

// dirEntry is what a watched directory held at its last reading.
type dirEntry struct {
	isDir bool
	id    fileID
}

// vnode is one watched file or directory.
type vnode struct {
	fd      poll.FD
	w       *Watcher
	path    string
	isDir   bool
	id      fileID
	entries map[string]dirEntry // for a directory whose entries are followed
	flags   uint32              // NOTE_* bits not yet handled
	took    uint32              // the bits being handled
	dirty   bool
	open    bool
}

// vnodeOwner is a vnode as the poller sees it.
type vnodeOwner vnode

// Watch starts watching path, a file or a directory, and calls fn on the
// loop with each change (see Op), in order, merged as WatchOptions says.
// A missing path gives an *fs.PathError matching fs.ErrNotExist. Watch
// registers the watches (walking the tree, for a recursive watch) before
// it returns; changes made after that are reported. Loop-only.
//
// On macOS and the BSDs each watched file and directory holds an open
// descriptor, and a directory's changes are found by reading it again:
// a file created and removed in between is not reported.
func (l *Loop) Watch(path string, opts WatchOptions, fn func(WatchEvent)) (*Watcher, error) {
	if err := l.opening(); err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &fs.PathError{Op: "watch", Path: path, Err: err}
	}
	w := &Watcher{loop: l, root: path, fn: fn, opts: opts}
	w.nodes = map[string]*vnode{}
	top, err := w.watchNode(path, fi.IsDir(), fi.IsDir())
	if err == nil {
		w.top = top
		if top.isDir {
			err = w.scan(top, false)
		}
	}
	if err != nil {
		w.release()
		return nil, &fs.PathError{Op: "watch", Path: path, Err: err}
	}
	l.refs++
	l.watchers().ws[w] = struct{}{}
	return w, nil
}

// watchNode opens path and registers it. A directory with follow has its
// entries followed (read on each change).
func (w *Watcher) watchNode(path string, isDir, follow bool) (*vnode, error) {
	s, err := unix.Open(path, watchOpenFlags|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(s, &st); err != nil {
		unix.Close(s)
		return nil, err
	}
	n := &vnode{w: w, path: path, isDir: isDir, id: fileID{uint64(st.Dev), uint64(st.Ino)}}
	if follow {
		n.entries = map[string]dirEntry{}
	}
	if err := poll.WatchVnode(w.loop.poller, &n.fd, s, vnodeMask, (*vnodeOwner)(n)); err != nil {
		unix.Close(s)
		return nil, err
	}
	n.open = true
	if err := w.loop.poller.Notify(&n.fd); err != nil {
		_ = w.loop.poller.Close(&n.fd)
		return nil, err
	}
	if old := w.nodes[path]; old != nil {
		w.dropNode(old)
	}
	w.nodes[path] = n
	return n, nil
}

// scan reads the directory d for the first time and watches its entries;
// with emit, it reports them as Create events (they appeared with a new
// directory, perhaps before its watch existed).
func (w *Watcher) scan(d *vnode, emit bool) error {
	ents, err := os.ReadDir(d.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // gone already; its removal is reported
		}
		return err
	}
	for _, e := range ents {
		p := filepath.Join(d.path, e.Name())
		de, ok := lstatEntry(p)
		if !ok {
			continue
		}
		d.entries[e.Name()] = de
		if emit {
			w.queue(WatchEvent{Op: Create, Name: p, IsDir: de.isDir})
		}
		if err := w.watchEntry(p, e.Type(), emit); err != nil {
			return err
		}
	}
	return nil
}

// watchEntry watches a directory's entry: a regular file, or a
// subdirectory (followed, and its own entries watched, when recursive;
// with emit, what they hold is reported as created).
func (w *Watcher) watchEntry(p string, typ fs.FileMode, emit bool) error {
	isDir := typ.IsDir()
	if !isDir && !typ.IsRegular() {
		return nil // a link, FIFO, socket or device: listed only
	}
	follow := isDir && w.opts.Recursive
	n, err := w.watchNode(p, isDir, follow)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP) {
			return nil // changed under us; the next reading tells
		}
		if errors.Is(err, fs.ErrPermission) {
			return nil // not readable by us: listed, not watched
		}
		return err
	}
	if follow {
		return w.scan(n, emit)
	}
	return nil
}

// lstatEntry describes p without following a link.
func lstatEntry(p string) (dirEntry, bool) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return dirEntry{}, false
	}
	return dirEntry{
		isDir: st.Mode&unix.S_IFMT == unix.S_IFDIR,
		id:    fileID{uint64(st.Dev), uint64(st.Ino)},
	}, true
}

// dropNode drops the watch n alone.
func (w *Watcher) dropNode(n *vnode) {
	if n.open {
		n.open = false
		_ = w.loop.poller.Close(&n.fd)
	}
	if w.nodes[n.path] == n {
		delete(w.nodes, n.path)
	}
}

// dropTree drops the watch on path and those below it.
func (w *Watcher) dropTree(path string) {
	if n := w.nodes[path]; n != nil {
		w.dropNode(n)
	}
	prefix := path + string(filepath.Separator)
	for p, c := range w.nodes {
		if strings.HasPrefix(p, prefix) {
			w.dropNode(c)
		}
	}
}

// moveNodes renames the watches at old, and below it, to new.
func (w *Watcher) moveNodes(old, new string) {
	prefix := old + string(filepath.Separator)
	var moved []*vnode
	for p, n := range w.nodes {
		if p == old || strings.HasPrefix(p, prefix) {
			delete(w.nodes, p)
			n.path = new + p[len(old):]
			moved = append(moved, n)
		}
	}
	for _, n := range moved {
		if old := w.nodes[n.path]; old != nil {
			w.dropNode(old)
		}
		w.nodes[n.path] = n
	}
}

// release closes every watch.
func (w *Watcher) release() {
	for _, n := range w.nodes {
		if n.open {
			n.open = false
			_ = w.loop.poller.Close(&n.fd)
		}
	}
	w.nodes = map[string]*vnode{}
	w.dirty = nil
}

// beforeFlush has nothing to settle: renames are paired as they are read.
func (w *Watcher) beforeFlush() {}

// NotifyDone reports vnode events: they are taken now and handled on the
// next tick, with the rest of the batch.
func (o *vnodeOwner) NotifyDone(err error) {
	n := (*vnode)(o)
	w := n.w
	if w.closed || !n.open {
		return
	}
	if err != nil {
		w.end(err, true)
		return
	}
	n.flags |= poll.VnodeEvents(&n.fd)
	_ = w.loop.poller.Notify(&n.fd)
	if !n.dirty {
		n.dirty = true
		w.dirty = append(w.dirty, n)
	}
	if !w.ticking {
		w.ticking = true
		w.loop.NextTick(w.handle)
	}
}

// Unused completions of a vnode watch.
func (o *vnodeOwner) ReadDone([]byte, error)           {}
func (o *vnodeOwner) WriteDone(error)                  {}
func (o *vnodeOwner) ConnectDone(error)                {}
func (o *vnodeOwner) AcceptDone(poll.Sock, error)      {}
func (o *vnodeOwner) RecvDone([]byte, net.Addr, error) {}
