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

// On Linux the watchers of a loop share one inotify descriptor
// (IN_NONBLOCK|IN_CLOEXEC), an inotifySet, registered with the loop's
// poller and armed with StartRead: inotify delivers its event records
// through ordinary reads, so the records arrive as ReadDone bytes, one
// batch per read, in the poller's shared buffer, with no system call of
// the watchers' own. Each record goes to the watchers of its watch
// descriptor. One descriptor per Watcher would run into the kernel's
// max_user_instances (128 by default, for all of a user's processes)
// after a hundred or so watched files; watches (max_user_watches) are
// far more plentiful. A recursive watch adds one inotify watch per
// directory. Two watchers of the same file or directory get the same
// watch descriptor, which is removed once neither uses it. The watchers
// also share the kernel's queue (max_queued_events, 16384 by default):
// when it overflows, each of them gets an Overflow event.

// watchMask is what each inotify watch asks for.
const watchMask = unix.IN_CREATE | unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_DELETE |
	unix.IN_DELETE_SELF | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_MOVE_SELF

// errInotifyRecord reports a record that cannot be an inotify event.
var errInotifyRecord = errors.New("eddy: malformed inotify record")

// sysWatch is the Linux part of a Watcher.
type sysWatch struct {
	set     *inotifySet    // the loop's descriptor, while the watch is open
	rootWd  int            // the watch on the watched path
	rootDir bool           // the watched path is a directory
	dirs    map[int]string // watch descriptor → watched path
	cookies map[uint32]int // rename cookie → index of its Rename in pending
	again   map[int]bool   // watches added again since the last flush
	touched bool           // in set.touched: records came in this batch
}

// inotifySet is the inotify descriptor that a loop's watchers share. It
// is opened for the first watcher and closed when the last one ends.
type inotifySet struct {
	loop    *Loop
	table   *watchTable
	fd      poll.FD
	users   int                // watchers holding the set
	wds     map[int][]*Watcher // watch descriptor → the watchers using it
	touched []*Watcher         // watchers that got records in this batch
	scratch []*Watcher         // a copy of one wds entry, while it is served
	dec     inotifyDecoder
}

// inotifyOwner is the inotifySet as the poller sees it.
type inotifyOwner inotifySet

// inotify returns the loop's shared inotify descriptor, opening it if
// no watcher holds it, and counts the caller as a user.
func (l *Loop) inotify() (*inotifySet, error) {
	t := l.watchers()
	if s, ok := t.sys.(*inotifySet); ok {
		s.users++
		return s, nil
	}
	ifd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	s := &inotifySet{loop: l, table: t, wds: map[int][]*Watcher{}}
	if err := l.poller.Register(&s.fd, ifd, (*inotifyOwner)(s)); err != nil {
		unix.Close(ifd)
		return nil, err
	}
	if err := l.poller.StartRead(&s.fd); err != nil {
		_ = l.poller.Close(&s.fd)
		return nil, err
	}
	s.users = 1
	t.sys = s
	return s, nil
}

// use records that w uses watch descriptor wd.
func (s *inotifySet) use(wd int, w *Watcher) {
	ws := s.wds[wd]
	for _, o := range ws {
		if o == w {
			return
		}
	}
	s.wds[wd] = append(ws, w)
}

// unuse records that w no longer uses wd, and removes the kernel's watch
// once no watcher does.
func (s *inotifySet) unuse(wd int, w *Watcher) {
	ws := s.wds[wd]
	for i, o := range ws {
		if o == w {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) > 0 {
		s.wds[wd] = ws
		return
	}
	if _, ok := s.wds[wd]; ok {
		delete(s.wds, wd)
		_, _ = unix.InotifyRmWatch(s.fd.Sock(), uint32(wd))
	}
}

// done releases a watcher's hold on the set, closing the descriptor
// after the last one.
func (s *inotifySet) done() {
	if s.users--; s.users > 0 {
		return
	}
	if s.table.sys == s {
		s.table.sys = nil
	}
	_ = s.loop.poller.Close(&s.fd)
}

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
	set, err := l.inotify()
	if err != nil {
		return nil, err
	}
	set.drain()
	w := &Watcher{loop: l, root: path, fn: fn, opts: opts}
	w.set = set
	w.dirs = map[int]string{}
	w.cookies = map[uint32]int{}
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
	l.refs++
	l.watchers().ws[w] = struct{}{}
	return w, nil
}

// add adds an inotify watch for path.
func (w *Watcher) add(path string) (int, error) {
	wd, err := unix.InotifyAddWatch(w.set.fd.Sock(), path, watchMask)
	if err != nil {
		return -1, err
	}
	w.set.use(wd, w)
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
	return w.addTreeSeen(dir, emit, nil)
}

// addTreeSeen is addTree that also records, in seen when not nil, the
// watch descriptor of each directory it watches.
func (w *Watcher) addTreeSeen(dir string, emit bool, seen map[int]bool) error {
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
			wd, err := w.add(p)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
					continue
				}
				return err
			}
			if seen != nil {
				seen[wd] = true
			}
			if err := w.addTreeSeen(p, emit, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

// release drops the watcher's watches (the kernel's, when no other
// watcher of the loop uses them) and its hold on the shared descriptor.
func (w *Watcher) release() {
	s := w.set
	if s == nil {
		return
	}
	w.set = nil
	for wd := range w.dirs {
		s.unuse(wd, w)
	}
	clear(w.dirs)
	s.done()
}

// drop removes w's watch wd.
func (w *Watcher) drop(wd int) {
	delete(w.dirs, wd)
	w.set.unuse(wd, w)
}

// ReadDone receives a batch of inotify records.
func (o *inotifyOwner) ReadDone(p []byte, err error) {
	s := (*inotifySet)(o)
	if err != nil {
		s.endAll(err)
		return
	}
	s.deliver(s.dec.Feed(p, s.record))
}

// deliver ends a batch of records: the watchers they went to deliver
// their events (or start their coalescing windows), or, after a record
// that could not be decoded (derr), all end with that error.
func (s *inotifySet) deliver(derr error) {
	ws := s.touched
	s.touched = nil
	for i, w := range ws {
		w.touched = false
		ws[i] = nil
		if derr != nil {
			w.end(derr, true)
		} else {
			w.batchDone()
		}
	}
	if s.touched == nil {
		s.touched = ws[:0]
	}
	if derr != nil {
		s.endAll(derr)
	}
}

// drain reads the records the kernel has queued for the loop's watchers
// and hands them to those watchers, before a new watcher adds its
// watches. inotify gives a directory one watch descriptor however often
// it is watched, so records queued before the new watcher existed would
// otherwise reach it too, and under the names it watches by: a change
// made under a directory's old name, read after the new watcher watched
// it under its new one, was reported there. The events are delivered on
// the next tick (or by the next read, if it comes first), not from
// within Watch.
func (s *inotifySet) drain() {
	if len(s.wds) == 0 {
		return
	}
	buf := make([]byte, 16<<10)
	for {
		n, err := unix.Read(s.fd.Sock(), buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			break // EAGAIN: all read; another error is the poller's read's to report
		}
		if derr := s.dec.Feed(buf[:n], s.record); derr != nil {
			s.deliver(derr)
			return
		}
	}
	if len(s.touched) > 0 {
		s.loop.NextTick(func() { s.deliver(nil) })
	}
}

// endAll ends every watcher of the set with err.
func (s *inotifySet) endAll(err error) {
	var ws []*Watcher
	for w := range s.table.ws {
		if w.set == s {
			ws = append(ws, w)
		}
	}
	for _, w := range ws {
		w.end(err, true)
	}
}

// record hands one inotify record to the watchers it is for: those of
// its watch descriptor, or all of them for a queue overflow.
func (s *inotifySet) record(r inotifyRecord) {
	var ws []*Watcher
	if r.Mask&unix.IN_Q_OVERFLOW != 0 {
		ws = s.scratch[:0]
		for w := range s.table.ws {
			if w.set == s {
				ws = append(ws, w)
			}
		}
	} else {
		// A copy: a watcher's record may change the entry.
		ws = append(s.scratch[:0], s.wds[int(r.Wd)]...)
	}
	for i, w := range ws {
		w.record(r)
		if !w.touched {
			w.touched = true
			s.touched = append(s.touched, w)
		}
		ws[i] = nil
	}
	s.scratch = ws[:0]
	if r.Mask&unix.IN_IGNORED != 0 {
		delete(s.wds, int(r.Wd)) // the kernel has dropped the watch
	}
}

// record turns one inotify record into events.
func (w *Watcher) record(r inotifyRecord) {
	if w.closed {
		return
	}
	if r.Mask&unix.IN_Q_OVERFLOW != 0 {
		w.queue(WatchEvent{Op: Overflow, Name: w.root})
		if w.opts.Recursive && w.rootDir {
			w.rewalk()
		}
		return
	}
	if len(w.cookies) > 0 && (r.Mask&unix.IN_MOVED_TO == 0 || !w.hasCookie(r.Cookie)) {
		// The kernel queues a rename's two records one after the
		// other: a record that is not the pair of a pending MOVED_FROM
		// means its other end is outside the tree. Settling it now, not
		// at the end of the batch, stops the records that follow from
		// a directory moved out (its MOVE_SELF, changes made in it
		// since) being reported under the name it had in the tree.
		w.settleRenames()
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
				moved := w.moveDirs(old, name)
				switch {
				case !w.opts.Recursive:
				case !moved:
					// No watch moved: the directory was renamed before
					// its Create was read, so the watch added then found
					// no such name. Watch it here, under its new name.
					w.watchNewDir(name)
				default:
					// Directories made in it before the rename was read
					// were looked for under the old name: watch those.
					w.adoptTree(name)
				}
			}
			return
		}
		w.queue(WatchEvent{Op: Create, Name: name, IsDir: isDir})
		if isDir && w.opts.Recursive {
			w.watchNewDir(name)
		}
	}
}

// hasCookie reports whether a MOVED_FROM with cookie c awaits its pair.
func (w *Watcher) hasCookie(c uint32) bool {
	_, ok := w.cookies[c]
	return ok && c != 0
}

// rewalk brings a recursive watch's set of directories up to date after
// the kernel's queue overflowed: the lost events included creations of
// directories, which would otherwise never be watched (the user, told
// Overflow, can rescan the files but cannot add watches), and moves and
// removals, which would leave watches under stale names. Each directory
// of the tree is watched again (an existing watch keeps its descriptor
// and takes the current name), and watches not met in the walk are
// dropped. Nothing is reported: the Overflow event says to rescan.
func (w *Watcher) rewalk() {
	seen := map[int]bool{w.rootWd: true}
	if err := w.addTreeSeen(w.root, false, seen); err != nil {
		return // some directories unread: prune nothing
	}
	for wd := range w.dirs {
		if !seen[wd] {
			w.drop(wd)
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

// adoptTree watches the directories under dir that the watcher does not
// watch yet (reporting what they hold, as for a new directory), after a
// rename of dir was read: their Create records came before it, when the
// names they were watched by were already gone. It costs a walk of the
// renamed tree, only for directory renames in recursive watches.
func (w *Watcher) adoptTree(dir string) {
	watched := map[string]bool{}
	for _, p := range w.dirs {
		if strings.HasPrefix(p, dir+string(filepath.Separator)) {
			watched[p] = true
		}
	}
	var walk func(d string)
	walk = func(d string) {
		ents, err := os.ReadDir(d)
		if err != nil {
			return // gone since; its removal is reported
		}
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			p := filepath.Join(d, e.Name())
			if watched[p] {
				walk(p)
			} else {
				w.watchNewDir(p)
			}
		}
	}
	walk(dir)
}

// moveDirs renames the watched directories under old to new, and
// reports whether old itself was watched.
func (w *Watcher) moveDirs(old, new string) bool {
	found := false
	for wd, p := range w.dirs {
		if p == old || strings.HasPrefix(p, old+string(filepath.Separator)) {
			w.dirs[wd] = new + p[len(old):]
			found = found || p == old
		}
	}
	return found
}

// beforeFlush settles renames left unpaired at the end of a batch.
func (w *Watcher) beforeFlush() {
	defer clear(w.again)
	w.settleRenames()
}

// settleRenames settles renames left unpaired: the other end is outside
// the tree, so a directory moved out stops being watched, unless it has
// come back in since.
func (w *Watcher) settleRenames() {
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
				w.drop(wd)
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
func (o *inotifyOwner) WriteDone(error)                  {}
func (o *inotifyOwner) ConnectDone(error)                {}
func (o *inotifyOwner) AcceptDone(poll.Sock, error)      {}
func (o *inotifyOwner) RecvDone([]byte, net.Addr, error) {}
func (o *inotifyOwner) NotifyDone(error)                 {}
