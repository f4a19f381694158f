package eddy

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestCloseWriteBeforeConnect: a CloseWrite made while the dial is still
// connecting, with nothing queued, shuts the writing side down once the
// connection opens (before, the shutdown was forgotten and a peer reading
// to the end of the stream waited for ever), and reading goes on.
func TestCloseWriteBeforeConnect(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer gl.Close()
	res := make(chan string, 1)
	go func() {
		c, err := gl.Accept()
		if err != nil {
			res <- err.Error()
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		b, err := io.ReadAll(c) // ends at our CloseWrite
		if err != nil {
			res <- "read: " + err.Error()
			return
		}
		c.Write([]byte("reply"))
		res <- "read " + string(b) + "to the end"
	}()
	got := ""
	c, err := l.Dial("tcp", gl.Addr().String(), &funcHandler{
		data: func(c *Conn, d []byte) int { got += string(d); return len(d) },
	})
	if err != nil {
		t.Fatal(err)
	}
	c.CloseWrite()
	run(t, l)
	if s := <-res; s != "read to the end" || got != "reply" {
		t.Fatalf("peer: %q; we read %q, want %q", s, got, "reply")
	}
}

// TestAbstractUnixListener: a listener on a Linux abstract name ("@name")
// works, and its Close removes no file: before, it removed the file of
// that name in the working directory, which is someone else's.
func TestAbstractUnixListener(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("abstract Unix socket names are Linux's")
	}
	leakcheck.Check(t)
	dir := t.TempDir()
	t.Chdir(dir)
	name := "@eddy-abstract-" + filepath.Base(dir)
	if err := os.WriteFile(name, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := newLoop(t)
	var got string
	ln, err := l.Listen("unix", name, &funcHandler{
		data: func(c *Conn, d []byte) int { got += string(d); return len(d) },
	})
	if err != nil {
		t.Fatal(err)
	}
	var dialErr error = errors.New("unset")
	c, err := l.Dial("unix", name, &funcHandler{
		close: func(_ *Conn, err error) {
			dialErr = err
			l.AfterFunc(20*time.Millisecond, func() { ln.Close() })
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("over the abstract socket"))
	c.Close()
	run(t, l)
	if dialErr != nil || got != "over the abstract socket" {
		t.Errorf("client %v; server read %q", dialErr, got)
	}
	if b, err := os.ReadFile(name); err != nil || string(b) != "precious" {
		t.Fatalf("the file named like the abstract socket: %q, %v", b, err)
	}
}

// TestLayerCloseBeforeReady: Write and Close on a layered dial before its
// handshake has finished (here before it has even connected, with reading
// paused or not) send what was written, then close cleanly, as they do
// without a layer. Before, Close dropped the held bytes and reported a
// clean close.
func TestLayerCloseBeforeReady(t *testing.T) {
	for _, paused := range []bool{false, true} {
		t.Run(map[bool]string{false: "reading", true: "paused"}[paused], func(t *testing.T) {
			leakcheck.Check(t)
			l := newLoop(t)
			var got []byte
			var srvErr error = errors.New("unset")
			ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
				data: func(c *Conn, d []byte) int {
					got = append(got, d...)
					return len(d)
				},
				close: func(_ *Conn, err error) { srvErr = err },
			}, WithLayer(func(*Conn) Layer { return &xorLayer{key: 0x5a} }))
			var cliErr error = errors.New("unset")
			c, err := l.Dial("tcp", ln.Addr().String(), &funcHandler{
				close: func(_ *Conn, err error) {
					cliErr = err
					l.AfterFunc(20*time.Millisecond, func() { ln.Close() })
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			c.SetLayer(&xorLayer{key: 0x5a})
			c.Write([]byte("hello"))
			if paused {
				c.PauseRead()
			}
			c.Close()
			run(t, l)
			if string(got) != "hello" || srvErr != nil || cliErr != nil {
				t.Fatalf("server read %q (want %q), server %v, client %v", got, "hello", srvErr, cliErr)
			}
		})
	}
}

// TestLayerSendFileWithHeadAllOrNothing: SendFileWithHead through a layer
// is all or nothing, like Writev: before, a head that took the queue to
// its high water mark was sent and the file then refused with
// ErrQueueFull, so a caller that retried after OnDrain sent the head
// twice.
func TestLayerSendFileWithHeadAllOrNothing(t *testing.T) {
	leakcheck.Check(t)
	content := []byte("file-body")
	// Not t.TempDir, for Wine (see TestLayerSendFile).
	f, err := os.CreateTemp("", "eddy-head-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(); os.Remove(f.Name()) })
	if _, err := f.Write(content); err != nil {
		t.Fatal(err)
	}

	l := newLoop(t)
	var got []byte
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		data: func(c *Conn, d []byte) int { got = append(got, d...); return len(d) },
	}, WithLayer(func(*Conn) Layer { return &xorLayer{key: 9} }))
	c, _ := l.Dial("tcp", ln.Addr().String(), &funcHandler{
		close: func(*Conn, error) { l.AfterFunc(20*time.Millisecond, func() { ln.Close() }) },
	})
	c.SetLayer(&xorLayer{key: 9})
	c.SetWriteBuffer(4, 8)
	head := []byte("0123456789") // above the high water mark by itself
	err = c.SendFileWithHead(head, f, 0, int64(len(content)))
	buffered := c.Buffered()
	c.Close()
	run(t, l)
	if err != nil {
		t.Fatalf("SendFileWithHead: %v (with %d bytes queued), want nil: the queue was empty", err, buffered)
	}
	if want := string(head) + string(content); string(got) != want {
		t.Errorf("peer got %q, want %q", got, want)
	}
}

// silentLayer never finishes its handshake.
type silentLayer struct{ xorLayer }

func (*silentLayer) Start(*LayerConn)               {}
func (*silentLayer) Input(*LayerConn, []byte) error { return nil }

// TestWriteDeadlineCoversHeldOutput: a write deadline covers output held
// for a layer whose handshake does not finish, which Buffered counts and
// which is not written. Before, the deadline passed unnoticed, since the
// socket's own queue was empty, and the connection stayed open.
func TestWriteDeadlineCoversHeldOutput(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, _ := l.Listen("tcp", "127.0.0.1:0", BaseHandler{})
	var cliErr error
	c, _ := l.Dial("tcp", ln.Addr().String(), &funcHandler{
		close: func(_ *Conn, err error) { cliErr = err; ln.Close() },
	})
	c.SetLayer(&silentLayer{})
	c.Write([]byte("never sent"))
	c.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
	run(t, l)
	if !errors.Is(cliErr, ErrTimeout) {
		t.Fatalf("OnClose(%v), want a write timeout", cliErr)
	}
}

// TestPacketCloseInOnPacket: no datagram is delivered after Close, even
// one already waiting when OnPacket closed the socket.
func TestPacketCloseInOnPacket(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	n := 0
	pc, err := l.ListenPacket("udp4", "127.0.0.1:0", PacketFunc(func(pc *PacketConn, p []byte, from net.Addr) {
		n++
		pc.Close()
	}))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := pc.WriteTo([]byte("a"), pc.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	run(t, l)
	if n != 1 {
		t.Fatalf("OnPacket ran %d times, want once", n)
	}
}

// TestReadDeadlineEndsWithReading: a read deadline no longer applies once
// Close has stopped reading: a response being flushed to a slow reader
// after Close is not cut short by the deadline set for the next request.
// Before, the deadline fired during the flush, dropped the rest of the
// response and reported a read timeout.
func TestReadDeadlineEndsWithReading(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	const size = 8 << 20 // more than the socket buffers hold
	var srvErr error = errors.New("unset")
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		open: func(c *Conn) {
			c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			c.SetWriteBuffer(size, 2*size)
			if err := c.Write(make([]byte, size)); err != nil {
				t.Error(err)
			}
			c.Close()
		},
		close: func(_ *Conn, err error) { srvErr = err },
	})
	got := 0
	var cliErr error = errors.New("unset")
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) {
			c.PauseRead() // a slow reader: the flush outlasts the deadline
			l.AfterFunc(100*time.Millisecond, c.ResumeRead)
		},
		data: func(c *Conn, d []byte) int { got += len(d); return len(d) },
		close: func(_ *Conn, err error) {
			cliErr = err
			ln.Close()
		},
	})
	run(t, l)
	if srvErr != nil || cliErr != nil || got != size {
		t.Fatalf("server %v, client %v; client read %d bytes of %d", srvErr, cliErr, got, size)
	}
}
