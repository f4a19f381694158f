//go:build linux

package eddy

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/eddy-go/eddy/internal/poll"
)

// On Linux a Watcher is one inotify descriptor (IN_NONBLOCK|IN_CLOEXEC)
// registered with the loop's poller and armed with StartRead: inotify
// delivers its event records through ordinary reads, so the records
// arrive as ReadDone bytes, one batch per read, in the poller's shared
// buffer, with no system call of the watcher's own. A recursive watch
// adds one inotify watch per directory, on the same descriptor.

// watchMask is what each inotify watch asks for.
const watchMask = unix.IN_CREATE | unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_DELETE |
	unix.IN_DELETE_SELF | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_MOVE_SELF

// errInotifyRecord reports a record that cannot be an inotify event.
var errInotifyRecord = errors.New("eddy: malformed inotify record")

// sysWatch is the Linux part of a Watcher.
type sysWatch struct {
	fd      poll.FD
	open    bool           // fd is registered
	rootWd  int            // the watch on the watched path
	rootDir bool           // the watched path is a directory
	dirs    map[int]string // watch descriptor → watched path
	cookies map[uint32]int // rename cookie → index of its Rename in pending
	again   map[int]bool   // watches added again since the last flush
	dec     inotifyDecoder
}

// watchOwner is the Watcher as the poller sees it.
type watchOwner Watcher

// Watch starts watching path, a file or a directory, and calls fn on the
// loop with each change (see Op), in order, merged as WatchOptions says.
// A missing path gives an *fs.PathError matching fs.ErrNotExist. Watch
// registers the watches (walking the tree, for a recursive watch) before
// it returns; changes made after that are reported. Loop-only.
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
	ifd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	w := &Watcher{loop: l, root: path, fn: fn, opts: opts}
	w.dirs = map[int]string{}
	w.cookies = map[uint32]int{}
	if err := l.poller.Register(&w.fd, ifd, (*watchOwner)(w)); err != nil {
		unix.Close(ifd)
		return nil, err
	}
	w.open = true
	w.rootDir = fi.IsDir()
	fail := func(err error) (*Watcher, error) {
		w.release()
		return nil, &fs.PathError{Op: "watch", Path: path, Err: err}
	}
	if w.rootWd, err = w.add(path); err != nil {
		return fail(err)
	}
	if opts.Recursive && fi.IsDir() {
		if err := w.addTree(path, false); err != nil {
			return fail(err)
		}
	}
	if err := l.poller.StartRead(&w.fd); err != nil {
		return fail(err)
	}
	l.refs++
	l.watchers().ws[w] = struct{}{}
	return w, nil
}

// add adds an inotify watch for path.
func (w *Watcher) add(path string) (int, error) {
	wd, err := unix.InotifyAddWatch(w.fd.Sock(), path, watchMask)
	if err != nil {
		return -1, err
	}
	if _, ok := w.dirs[wd]; ok && len(w.cookies) > 0 {
		// The same directory, back in the tree (moved out and in again
		// before the events were flushed): beforeFlush must keep it.
		if w.again == nil {
			w.again = map[int]bool{}
		}
		w.again[wd] = true
	}
	w.dirs[wd] = path
	return wd, nil
}

// addTree watches the subdirectories of dir, recursively. With emit, it
// reports what it finds as Create events: they appeared with a new
// directory, perhaps before its watch existed.
func (w *Watcher) addTree(dir string, emit bool) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // gone already; its removal is reported
		}
		return err
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if emit {
			w.queue(WatchEvent{Op: Create, Name: p, IsDir: e.IsDir()})
		}
		if e.IsDir() {
			if _, err := w.add(p); err != nil {
				if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
					continue
				}
				return err
			}
			if err := w.addTree(p, emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// release closes the inotify descriptor, which drops every watch.
func (w *Watcher) release() {
	if w.open {
		w.open = false
		_ = w.loop.poller.Close(&w.fd)
	}
}

// ReadDone receives a batch of inotify records.
func (o *watchOwner) ReadDone(p []byte, err error) {
	w := (*Watcher)(o)
	if err != nil {
		w.end(err, true)
		return
	}
	if derr := w.dec.Feed(p, w.record); derr != nil {
		w.end(derr, true)
		return
	}
	w.batchDone()
}

// record turns one inotify record into events.
func (w *Watcher) record(r inotifyRecord) {
	if w.closed {
		return
	}
	if r.Mask&unix.IN_Q_OVERFLOW != 0 {
		w.queue(WatchEvent{Op: Overflow, Name: w.root})
		return
	}
	dir, ok := w.dirs[int(r.Wd)]
	if !ok {
		return // a watch removed since
	}
	if r.Mask&unix.IN_IGNORED != 0 {
		delete(w.dirs, int(r.Wd))
		if int(r.Wd) == w.rootWd {
			w.end(nil, true) // the watched path is gone
		}
		return
	}
	name := dir
	if r.Name != "" {
		name = filepath.Join(dir, r.Name)
	}
	isDir := r.Mask&unix.IN_ISDIR != 0
	self := int(r.Wd) == w.rootWd
	switch {
	case r.Mask&unix.IN_CREATE != 0:
		w.queue(WatchEvent{Op: Create, Name: name, IsDir: isDir})
		if isDir && w.opts.Recursive {
			w.watchNewDir(name)
		}
	case r.Mask&unix.IN_MODIFY != 0:
		w.queue(WatchEvent{Op: Write, Name: name, IsDir: isDir})
	case r.Mask&unix.IN_ATTRIB != 0:
		w.queue(WatchEvent{Op: Chmod, Name: name, IsDir: isDir})
	case r.Mask&unix.IN_DELETE != 0:
		w.queue(WatchEvent{Op: Remove, Name: name, IsDir: isDir})
	case r.Mask&(unix.IN_DELETE_SELF|unix.IN_UNMOUNT) != 0:
		// A subdirectory's removal is reported by its parent.
		if self {
			w.queue(WatchEvent{Op: Remove, Name: w.root, IsDir: w.rootDir})
			w.end(nil, true)
		}
	case r.Mask&unix.IN_MOVE_SELF != 0:
		if self {
			w.queue(WatchEvent{Op: Rename, Name: w.root, IsDir: w.rootDir})
		}
	case r.Mask&unix.IN_MOVED_FROM != 0:
		i := w.queue(WatchEvent{Op: Rename, Name: name, IsDir: isDir})
		if r.Cookie != 0 {
			w.cookies[r.Cookie] = i
		}
	case r.Mask&unix.IN_MOVED_TO != 0:
		if i, ok := w.cookies[r.Cookie]; ok && r.Cookie != 0 {
			delete(w.cookies, r.Cookie)
			ev := &w.pending[i]
			old := ev.Name
			ev.OldName, ev.Name = old, name
			if isDir {
				w.moveDirs(old, name)
			}
			return
		}
		w.queue(WatchEvent{Op: Create, Name: name, IsDir: isDir})
		if isDir && w.opts.Recursive {
			w.watchNewDir(name)
		}
	}
}

// watchNewDir adds watches for a directory that appeared in the tree and
// reports what it already holds.
func (w *Watcher) watchNewDir(dir string) {
	if _, err := w.add(dir); err != nil {
		return // gone already, or not a directory any more
	}
	_ = w.addTree(dir, true)
}

// moveDirs renames the watched directories under old to new.
func (w *Watcher) moveDirs(old, new string) {
	for wd, p := range w.dirs {
		if p == old || strings.HasPrefix(p, old+string(filepath.Separator)) {
			w.dirs[wd] = new + p[len(old):]
		}
	}
}

// beforeFlush settles renames left unpaired: the other end is outside
// the tree, so a directory moved out stops being watched, unless it has
// come back in since.
func (w *Watcher) beforeFlush() {
	defer clear(w.again)
	for c, i := range w.cookies {
		delete(w.cookies, c)
		ev := w.pending[i]
		if !ev.IsDir {
			continue
		}
		for wd, p := range w.dirs {
			if w.again[wd] {
				continue
			}
			if wd != w.rootWd && (p == ev.Name || strings.HasPrefix(p, ev.Name+string(filepath.Separator))) {
				delete(w.dirs, wd)
				_, _ = unix.InotifyRmWatch(w.fd.Sock(), uint32(wd))
			}
		}
	}
}

// inotifyRecord is one decoded inotify_event.
type inotifyRecord struct {
	Wd     int32
	Mask   uint32
	Cookie uint32
	Name   string
}

// inotifyHeader is the size of struct inotify_event without its name.
const inotifyHeader = 16

// maxInotifyName bounds the name field: NAME_MAX plus its padding.
const maxInotifyName = 4096

// inotifyDecoder splits a byte stream into inotify records. The kernel
// never splits a record across reads, but the decoder keeps a partial
// record anyway, so it accepts its input cut anywhere.
type inotifyDecoder struct {
	buf []byte
}

// Feed decodes the records in p (after any partial record kept from
// before) and calls fn with each. A record whose name length is out of
// range is an error matching errInotifyRecord; the decoder then keeps
// nothing.
func (d *inotifyDecoder) Feed(p []byte, fn func(inotifyRecord)) error {
	if len(d.buf) > 0 {
		d.buf = append(d.buf, p...)
		p = d.buf
	}
	for len(p) >= inotifyHeader {
		n := binary.NativeEndian.Uint32(p[12:16])
		if n > maxInotifyName {
			d.buf = nil
			return errInotifyRecord
		}
		size := inotifyHeader + int(n)
		if len(p) < size {
			break
		}
		name := p[inotifyHeader:size]
		if i := indexZero(name); i >= 0 {
			name = name[:i]
		}
		fn(inotifyRecord{
			Wd:     int32(binary.NativeEndian.Uint32(p[0:4])),
			Mask:   binary.NativeEndian.Uint32(p[4:8]),
			Cookie: binary.NativeEndian.Uint32(p[8:12]),
			Name:   string(name),
		})
		p = p[size:]
	}
	if len(p) == 0 {
		d.buf = d.buf[:0]
	} else {
		d.buf = append(d.buf[:0:0], p...)
	}
	return nil
}

func indexZero(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

// Unused completions of an inotify descriptor.
func (o *watchOwner) WriteDone(error)                  {}
func (o *watchOwner) ConnectDone(error)                {}
func (o *watchOwner) AcceptDone(poll.Sock, error)      {}
func (o *watchOwner) RecvDone([]byte, net.Addr, error) {}
func (o *watchOwner) NotifyDone(error)                 {}
