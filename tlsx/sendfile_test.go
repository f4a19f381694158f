package tlsx_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"os"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// TestSendFileBeforeHandshake: a file sent before the handshake has
// finished waits for it and arrives whole, in order with the writes
// around it, before the close_notify of a Close made in OnOpen.
func TestSendFileBeforeHandshake(t *testing.T) {
	leakcheck.Check(t)
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	name := t.TempDir() + "/f"
	if err := os.WriteFile(name, content, 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	f := newFixture(t)
	got := make(chan []byte, 1)
	addr, srvErr := stdServer(t, f.server, func(tc *tls.Conn) error {
		b, err := io.ReadAll(tc) // until the client's close_notify
		got <- b
		return err
	})
	l := newLoop(t)
	cli := &handler{open: func(c *eddy.Conn) { c.Close() }}
	c, err := tlsx.Dial(l, "tcp", addr, f.client, cli)
	if err != nil {
		t.Fatal(err)
	}
	c.SetWriteBuffer(64<<10, 2<<20)
	c.Write([]byte("head:"))
	if err := c.SendFile(file, 0, int64(len(content))); err != nil {
		t.Fatalf("SendFile before the handshake: %v", err)
	}
	if err := c.Write([]byte(":tail")); err != nil {
		t.Fatal(err)
	}
	run(t, l, 10*time.Second)
	if err := <-srvErr; err != nil {
		t.Errorf("server: %v", err)
	}
	want := append(append([]byte("head:"), content...), ":tail"...)
	if b := <-got; !bytes.Equal(b, want) {
		t.Errorf("server read %d bytes, want %d: head, file, tail", len(b), len(want))
	}
	wantOnce(t, "client", cli, 1)
	if cli.err != nil {
		t.Errorf("client: %v", cli.err)
	}
}
