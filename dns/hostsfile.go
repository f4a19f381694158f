package dns

import (
	"os"
	"time"
)

// hostsFile keeps a parsed hosts file fresh: it re-reads the file when its
// modification time or size changed, checking at most once per interval.
// The check is a stat(2) on the loop goroutine, cheap for a local file; the
// read happens only when the file changed.
type hostsFile struct {
	path     string
	interval time.Duration

	loaded  bool
	checked time.Time // clock time of the last stat
	mtime   time.Time
	size    int64
	table   *Hosts // nil when the file is missing or was never readable
}

// get returns the current table, reloading it if due and changed. now
// comes from the resolver's Clock.
func (f *hostsFile) get(now time.Time) *Hosts {
	if f.loaded && now.Sub(f.checked) < f.interval && !now.Before(f.checked) {
		return f.table
	}
	f.checked = now
	fi, err := os.Stat(f.path)
	if err != nil {
		f.loaded, f.table = true, nil
		f.mtime, f.size = time.Time{}, -1
		return nil
	}
	if f.loaded && fi.ModTime().Equal(f.mtime) && fi.Size() == f.size {
		return f.table
	}
	file, err := os.Open(f.path)
	if err != nil {
		// There but unreadable for now (out of descriptors, permissions
		// being changed): as for a parse failure, keep the previous
		// table and try again at the next check. Only a file that is gone
		// (the stat above) empties the table.
		f.loaded, f.mtime = true, time.Time{}
		return f.table
	}
	defer file.Close()
	h, err := ParseHosts(file)
	if err != nil {
		// Keep the previous table; try again at the next check.
		f.loaded, f.mtime = true, time.Time{}
		return f.table
	}
	f.loaded, f.table = true, h
	f.mtime, f.size = fi.ModTime(), fi.Size()
	return h
}
