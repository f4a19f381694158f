package httpclientbench

import (
	"os"
	"path/filepath"
	"testing"
)

// TestStartProfile checks the profile hook: nothing without ProfileEnv,
// and with it a file named after the window in the directory it names.
func TestStartProfile(t *testing.T) {
	t.Setenv(ProfileEnv, "")
	startProfile("eddy-futures", "get-c64", 1)()
	dir := t.TempDir()
	t.Setenv(ProfileEnv, dir)
	stop := startProfile("net/http", "get-c64", 2)
	stop()
	if _, err := os.Stat(filepath.Join(dir, "net_http-get-c64-2.pprof")); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("%d files, want 1", len(entries))
	}
}
