package httpserver

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestSendTimeoutClosesStalledClient asks for 8 MiB and reads nothing:
// the output queued for the client makes no progress, and SendTimeout
// must close the connection, which held it (and the output) for ever
// before. The client then gets only what the socket buffers held.
func TestSendTimeoutClosesStalledClient(t *testing.T) {
	leakcheck.Check(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 8<<20/16)
	s := &Server{SendTimeout: 300 * time.Millisecond, Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.Write(big)
	})}
	addr, g := ServeForTest(t, s, 1)
	l := g.Loops()[0]
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for open := true; open; {
		onLoop(t, l, func() { open = len(s.loopState(l).conns) > 0 })
		if open {
			if time.Now().After(deadline) {
				t.Fatal("a client that reads nothing still holds its connection after 20 s")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _ := io.Copy(io.Discard, c)
	if n >= int64(len(big)) {
		t.Fatalf("the client got %d bytes, the whole response, from a connection closed for not reading", n)
	}
}

// TestSendTimeoutSlowReader reads a 2 MiB response 32 KiB at a time with
// pauses: every read is progress, so SendTimeout must not cut it.
func TestSendTimeoutSlowReader(t *testing.T) {
	leakcheck.Check(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 2<<20/16)
	s := &Server{SendTimeout: time.Second, Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.Write(big)
	})}
	addr, _ := ServeForTest(t, s, 1)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReaderSize(c, 32<<10), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got bytes.Buffer
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		got.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", got.Len(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !bytes.Equal(got.Bytes(), big) {
		t.Fatalf("got %d of %d bytes", got.Len(), len(big))
	}
}
