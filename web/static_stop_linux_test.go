//go:build linux

package web_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// openFDsOf counts the process's descriptors open on path.
func openFDsOf(t *testing.T, path string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && l == path {
			n++
		}
	}
	return n
}

// A static body read chunk by chunk in the worker pool (gzip on the fly
// here; multipart/byteranges and TLS take the same path) keeps its file
// open between reads. If the loop stops while a read is in the pool, the
// read's result can never reach the loop: the file must be closed all
// the same, not leaked.
func TestStaticStreamClosesFileWhenLoopStops(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	name := filepath.Join(dir, "big.txt")
	// Text that compresses little, so that the body fills the socket.
	body := make([]byte, 16<<20)
	x := uint32(1)
	for i := range body {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		body[i] = "0123456789abcdef"[x&15]
	}
	if err := os.WriteFile(name, body, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := web.NewStatic(dir, web.StaticOptions{ChunkSize: 4 << 10, Gzip: &web.GzipOptions{}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	pool := eddy.NewPool(1) // one worker, which the test can hold
	defer pool.Close()
	g, err := eddy.NewGroup(eddy.WithLoops(1), eddy.WithLoopOptions(eddy.WithPool(pool)))
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: st}
	addr, err := srv.Serve(g, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g.Start()
	stopped := false
	defer func() {
		if !stopped {
			g.Stop()
			g.Wait()
		}
	}()

	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /big.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
	br := bufio.NewReader(c)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("status line %q, %v", line, err)
	}

	// Hold the only worker, then read the body: the sender's next read
	// queues behind the held worker.
	hold, held := make(chan struct{}), make(chan struct{})
	pool.Go(func() { close(held); <-hold })
	<-held
	go io.Copy(io.Discard, br)
	for deadline := time.Now().Add(10 * time.Second); pool.Pending() == 0; {
		if time.Now().After(deadline) {
			close(hold)
			t.Fatal("no read queued behind the held worker")
		}
		time.Sleep(time.Millisecond)
	}
	if openFDsOf(t, name) != 1 {
		t.Fatalf("%d descriptors open on the file while it is sent", openFDsOf(t, name))
	}
	g.Stop()
	g.Wait()
	stopped = true
	close(hold) // the queued read now runs, with no loop to take its result
	for deadline := time.Now().Add(5 * time.Second); openFDsOf(t, name) != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the file is still open after its loop stopped")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
