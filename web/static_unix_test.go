//go:build unix

package web_test

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// A FIFO in the tree is not a file to serve, and asking for it must not
// hold a worker waiting for a writer: the request gets its 404 and the
// regular files beside it are still served, with and without the
// precompressed lookup (which stats before opening).
func TestStaticFIFO(t *testing.T) {
	leakcheck.Check(t)
	dir := siteDir(t)
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, opt := range []web.StaticOptions{{}, {Precompressed: true}} {
		st := newStatic(t, dir, opt)
		base, cl := serve(t, st)
		for range 3 { // more requests than a small pool has workers
			if r := do(t, cl, "GET", base+"/pipe", ""); r.status != 404 {
				t.Errorf("precompressed %v: FIFO: %d %q", opt.Precompressed, r.status, r.body)
			}
		}
		if r := do(t, cl, "GET", base+"/hello.txt", ""); r.status != 200 || r.body != "hello, world\n" {
			t.Errorf("precompressed %v: file after FIFO: %d %q", opt.Precompressed, r.status, r.body)
		}
	}
}
