package dns

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestHostsFileUnopenableKeepsTable: a hosts file that is there (stat
// works) but cannot be opened for now keeps the last table it gave, as an
// unparsable one does, and is tried again at the next check. A socket at
// the path stands in for a transient failure (EMFILE, permissions being
// changed), since open(2) refuses it with ENXIO even for root.
func TestHostsFileUnopenableKeepsTable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hosts")
	if err := os.WriteFile(path, []byte("192.0.2.10 web\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &hostsFile{path: path, interval: time.Second}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if h := f.get(t0); h == nil || h.Len() == 0 {
		t.Fatalf("first read: %v", h)
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("no unix sockets here: %v", err)
	}
	defer ln.Close()
	if _, err := os.Open(path); err == nil {
		t.Skip("this system opens sockets as files")
	}
	h := f.get(t0.Add(2 * time.Second))
	if h == nil {
		t.Fatal("the table was dropped when the file could not be opened")
	}
	if addrs, _ := h.LookupHost("web"); len(addrs) != 1 {
		t.Fatalf("kept table lost its entry: %v", addrs)
	}

	// Readable again: the new content is picked up at the next check.
	ln.Close()
	os.Remove(path)
	if err := os.WriteFile(path, []byte("192.0.2.20 web\n192.0.2.21 db\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h = f.get(t0.Add(4 * time.Second))
	if h == nil || h.Len() != 2 {
		t.Fatalf("after the file came back: %v", h)
	}
}
