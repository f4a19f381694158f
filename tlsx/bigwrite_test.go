package tlsx_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestRecordBoundaryWrites: single writes around the 16 KiB record size
// and one of 64 MiB, with backpressure between them, then Close while the
// 64 MiB are still queued: a crypto/tls peer reads every byte, in order,
// then a clean close_notify.
func TestRecordBoundaryWrites(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	big := 64 << 20
	if raceEnabled {
		big = 16 << 20
	}
	sizes := []int{1, 16<<10 - 1, 16 << 10, 16<<10 + 1, 3 << 14, 48<<10 + 5, big, 16 << 10}
	var src []byte
	var parts [][]byte
	for i, n := range sizes {
		p := pattern(n + i)[i:]
		parts = append(parts, p)
		src = append(src, p...)
	}
	want := sha256.Sum256(src)
	var full bool
	// The peer starts reading only once the queue has filled (or every
	// part was taken): a peer reading as fast as the loop writes lets one
	// writev carry the whole large part, and the queue never fills.
	filled := make(chan struct{})
	var fillOnce sync.Once
	srv := &handler{}
	next := 0
	send := func(c *eddy.Conn) {
		for next < len(parts) {
			if err := c.Write(parts[next]); err != nil {
				if errors.Is(err, eddy.ErrQueueFull) {
					full = true
					fillOnce.Do(func() { close(filled) })
					return
				}
				t.Errorf("write %d: %v", next, err)
				return
			}
			if next++; next == len(parts) {
				fillOnce.Do(func() { close(filled) })
				c.Close() // with the large write still queued
			}
		}
	}
	srv.open, srv.drain = send, send
	var n int
	err := serveOnce(t, f, srv, func(raw net.Conn, tc *tls.Conn) error {
		<-filled
		h := sha256.New()
		m, err := io.Copy(h, tc) // until close_notify
		n = int(m)
		if err != nil {
			return err
		}
		if !bytes.Equal(h.Sum(nil), want[:]) {
			return errors.New("the bytes read differ")
		}
		return nil
	})
	if err != nil || n != len(src) || srv.err != nil {
		t.Fatalf("peer %v, read %d of %d bytes; server %v", err, n, len(src), srv.err)
	}
	if !full {
		t.Error("the write queue never filled: backpressure untested")
	}
}
