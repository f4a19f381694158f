package eddy

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

// A message written in two parts, split at every offset, arrives whole:
// the first part is a short read, after which the loop must still hear of
// the second part (the edge-triggered backends stop reading after a short
// read and rely on the next edge). The second part is followed by a half
// close, so that the end of the stream, arriving with or after it, is
// seen only after the data.
func TestSplitWritesAtEveryOffset(t *testing.T) {
	l := newLoop(t)
	ln, err := l.Listen("tcp4", "127.0.0.1:0", &funcHandler{
		data: func(c *Conn, d []byte) int {
			c.Write(d)
			return len(d)
		},
		close: func(c *Conn, err error) {
			if err != nil {
				t.Errorf("server OnClose: %v", err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	msg := make([]byte, 300)
	for i := range msg {
		msg[i] = byte(i * 7)
	}
	clientErr := make(chan error, 1)
	go func() {
		clientErr <- splitClient(addr, msg)
		l.Post(func() { ln.Close() })
	}()
	run(t, l)
	if err := <-clientErr; err != nil {
		t.Fatal(err)
	}
}

// splitClient sends msg over a new connection per split offset: the
// first part, waits for its echo, then the rest and a half close, and
// checks that everything comes back before the end of the stream.
func splitClient(addr string, msg []byte) error {
	for k := 1; k < len(msg); k++ {
		c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
		if err != nil {
			return err
		}
		err = splitOnce(c.(*net.TCPConn), msg, k)
		c.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func splitOnce(c *net.TCPConn, msg []byte, k int) error {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(msg[:k]); err != nil {
		return err
	}
	got := make([]byte, k)
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	if _, err := c.Write(msg[k:]); err != nil {
		return err
	}
	if err := c.CloseWrite(); err != nil {
		return err
	}
	rest, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	if all := append(got, rest...); !bytes.Equal(all, msg) {
		return fmt.Errorf("split at %d: echoed %d bytes, or different bytes", k, len(all))
	}
	return nil
}
