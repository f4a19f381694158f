//go:build !linux && !windows && !darwin && !freebsd && !dragonfly && !netbsd && !openbsd

package eddy

// sysWatch is empty where file watching is not supported yet.
type sysWatch struct{}

// Watch reports ErrWatchUnsupported: this version watches files only on
// Linux (inotify). The kqueue and Windows backends will add it behind the
// same API. Loop-only.
func (l *Loop) Watch(path string, opts WatchOptions, fn func(WatchEvent)) (*Watcher, error) {
	return nil, ErrWatchUnsupported
}

func (w *Watcher) release()     {}
func (w *Watcher) beforeFlush() {}
