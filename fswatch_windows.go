//go:build windows

package eddy

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf16"

	"golang.org/x/sys/windows"

	"github.com/eddy-go/eddy/internal/poll"
)

// On Windows a Watcher is one directory handle opened for overlapped I/O
// and registered with the loop's completion port. Its StartRead issues
// ReadDirectoryChangesW (on the whole tree for a recursive watch: Windows
// follows new subdirectories by itself), and each completion delivers a
// batch of FILE_NOTIFY_INFORMATION records as ReadDone bytes; the next
// call is issued at once, and changes made in between are buffered by the
// system. A watch on a file watches its directory and keeps the records
// that name the file.

// watchFilter is what ReadDirectoryChangesW reports.
const watchFilter = windows.FILE_NOTIFY_CHANGE_FILE_NAME | windows.FILE_NOTIFY_CHANGE_DIR_NAME |
	windows.FILE_NOTIFY_CHANGE_ATTRIBUTES | windows.FILE_NOTIFY_CHANGE_SIZE |
	windows.FILE_NOTIFY_CHANGE_LAST_WRITE | windows.FILE_NOTIFY_CHANGE_CREATION |
	windows.FILE_NOTIFY_CHANGE_SECURITY

// errNotifyRecord reports a record that cannot be a FILE_NOTIFY_INFORMATION.
var errNotifyRecord = errors.New("eddy: malformed FILE_NOTIFY_INFORMATION record")

// sysWatch is the Windows part of a Watcher.
type sysWatch struct {
	fd      poll.FD
	open    bool
	dir     string // the directory whose handle is watched
	file    string // for a watch on a file: its name in dir
	rootDir bool
	renamed int // index in pending of a Rename waiting for its new name, or -1
}

// watchOwner is the Watcher as the poller sees it.
type watchOwner Watcher

// Watch starts watching path, a file or a directory, and calls fn on the
// loop with each change (see Op), in order, merged as WatchOptions says.
// A missing path gives an *fs.PathError matching fs.ErrNotExist. Changes
// made after Watch returns are reported. Loop-only.
//
// On Windows, attribute changes are reported as Chmod only where the
// system tells them apart from writes, and a directory's own last-write
// time changes are not reported.
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
	w.rootDir = fi.IsDir()
	w.renamed = -1
	w.dir = path
	if !w.rootDir {
		w.dir, w.file = filepath.Dir(path), filepath.Base(path)
	}
	name, err := windows.UTF16PtrFromString(w.dir)
	if err != nil {
		return nil, &fs.PathError{Op: "watch", Path: path, Err: err}
	}
	h, err := windows.CreateFile(name, windows.FILE_LIST_DIRECTORY,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "watch", Path: path, Err: err}
	}
	if err := l.poller.Register(&w.fd, h, (*watchOwner)(w)); err != nil {
		windows.CloseHandle(h)
		return nil, &fs.PathError{Op: "watch", Path: path, Err: err}
	}
	w.open = true
	poll.WatchDirectory(&w.fd, watchFilter, opts.Recursive && w.rootDir)
	if err := l.poller.StartRead(&w.fd); err != nil {
		w.release()
		return nil, &fs.PathError{Op: "watch", Path: path, Err: err}
	}
	l.refs++
	l.watchers().ws[w] = struct{}{}
	return w, nil
}

// release closes the directory handle.
func (w *Watcher) release() {
	if w.open {
		w.open = false
		_ = w.loop.poller.Close(&w.fd)
	}
}

// beforeFlush forgets a rename whose new name never came: it stays a
// Rename out of the tree.
func (w *Watcher) beforeFlush() { w.renamed = -1 }

// ReadDone receives one batch of records.
func (o *watchOwner) ReadDone(p []byte, err error) {
	w := (*Watcher)(o)
	if err != nil {
		if _, serr := os.Stat(w.root); errors.Is(serr, fs.ErrNotExist) {
			w.queue(WatchEvent{Op: Remove, Name: w.root, IsDir: w.rootDir})
			w.end(nil, true)
			return
		}
		w.end(err, true)
		return
	}
	if len(p) == 0 {
		w.queue(WatchEvent{Op: Overflow, Name: w.root})
		w.batchDone()
		return
	}
	if derr := decodeNotify(p, w.record); derr != nil {
		w.end(derr, true)
		return
	}
	w.batchDone()
}

// record turns one FILE_NOTIFY_INFORMATION into events.
func (w *Watcher) record(r notifyRecord) {
	if w.closed {
		return
	}
	name := filepath.Join(w.dir, r.Name)
	if w.file != "" {
		if !strings.EqualFold(r.Name, w.file) {
			return
		}
		name = w.root
	}
	isDir := func() bool {
		fi, err := os.Lstat(name)
		return err == nil && fi.IsDir()
	}
	switch r.Action {
	case windows.FILE_ACTION_ADDED:
		w.queue(WatchEvent{Op: Create, Name: name, IsDir: isDir()})
	case windows.FILE_ACTION_REMOVED:
		w.queue(WatchEvent{Op: Remove, Name: name})
		if w.file != "" {
			w.end(nil, true) // the watched file is gone
		}
	case windows.FILE_ACTION_MODIFIED:
		if !isDir() {
			w.queue(WatchEvent{Op: Write, Name: name})
		}
	case windows.FILE_ACTION_RENAMED_OLD_NAME:
		w.renamed = w.queue(WatchEvent{Op: Rename, Name: name})
	case windows.FILE_ACTION_RENAMED_NEW_NAME:
		if i := w.renamed; i >= 0 && i < len(w.pending) {
			w.renamed = -1
			ev := &w.pending[i]
			ev.OldName, ev.Name, ev.IsDir = ev.Name, name, isDir()
			return
		}
		w.queue(WatchEvent{Op: Create, Name: name, IsDir: isDir()})
	}
}

// notifyRecord is one decoded FILE_NOTIFY_INFORMATION.
type notifyRecord struct {
	Action uint32
	Name   string // relative to the watched directory
}

// notifyHeader is the fixed part of a FILE_NOTIFY_INFORMATION record:
// NextEntryOffset, Action and FileNameLength, each a little-endian
// uint32, before the UTF-16 name.
const notifyHeader = 12

// decodeNotify calls fn with each record of a ReadDirectoryChangesW
// buffer. The system fills whole records, so a buffer that ends inside
// one, or whose offsets point outside it or backwards, is malformed.
func decodeNotify(b []byte, fn func(notifyRecord)) error {
	off := 0
	for {
		if len(b)-off < notifyHeader {
			return errNotifyRecord
		}
		next := binary.LittleEndian.Uint32(b[off:])
		action := binary.LittleEndian.Uint32(b[off+4:])
		nlen := binary.LittleEndian.Uint32(b[off+8:])
		if nlen%2 != 0 || uint64(nlen) > uint64(len(b)-off-notifyHeader) {
			return errNotifyRecord
		}
		if next != 0 && (uint64(next) < notifyHeader+uint64(nlen) || uint64(next) > uint64(len(b)-off)) {
			return errNotifyRecord
		}
		raw := b[off+notifyHeader : off+notifyHeader+int(nlen)]
		u := make([]uint16, len(raw)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(raw[2*i:])
		}
		fn(notifyRecord{Action: action, Name: string(utf16.Decode(u))})
		if next == 0 {
			return nil
		}
		off += int(next)
	}
}

// Unused completions of a directory handle.
func (o *watchOwner) WriteDone(error)                  {}
func (o *watchOwner) ConnectDone(error)                {}
func (o *watchOwner) AcceptDone(poll.Sock, error)      {}
func (o *watchOwner) RecvDone([]byte, net.Addr, error) {}
func (o *watchOwner) NotifyDone(error)                 {}
