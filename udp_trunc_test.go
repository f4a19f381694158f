package eddy

import (
	"bytes"
	"errors"
	"net"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A datagram larger than the receive buffer is not delivered cut short as
// if it were whole: OnError reports it (ErrTruncated, with its source),
// OnPacket does not see it, and the socket goes on receiving. unixgram
// carries datagrams larger than 64 KiB, as UDP over IPv4 cannot.
func TestPacketTruncatedDatagramReported(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unixgram sockets on Windows; the IOCP backend's truncation is tested in internal/poll")
	}
	leakcheck.Check(t)
	l := newLoop(t)
	path := filepath.Join(t.TempDir(), "trunc.sock")
	var got [][]byte
	rec := &packetRecorder{}
	srv, err := l.ListenPacket("unixgram", path, rec)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := l.DialPacket("unixgram", path, PacketFunc(func(*PacketConn, []byte, net.Addr) {}))
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	rec.onPacket = func(pc *PacketConn, p []byte, from net.Addr) {
		got = append(got, append([]byte(nil), p...))
		pc.Close()
		cli.Close()
	}
	big := bytes.Repeat([]byte("0123456789"), 10_000) // 100,000 bytes
	if err := cli.Write(big); err != nil {
		srv.Close()
		cli.Close()
		t.Fatalf("sending 100,000 bytes: %v", err)
	}
	if err := cli.Write([]byte("small")); err != nil {
		srv.Close()
		cli.Close()
		t.Fatal(err)
	}
	run(t, l)
	if len(got) != 1 || string(got[0]) != "small" {
		lens := make([]int, len(got))
		for i, p := range got {
			lens[i] = len(p)
		}
		t.Fatalf("OnPacket got datagrams of %v bytes; want only the 5-byte one after the truncated one", lens)
	}
	if len(rec.errs) != 1 || !errors.Is(rec.errs[0], ErrTruncated) {
		t.Fatalf("OnError got %v; want one error matching ErrTruncated", rec.errs)
	}
	var oe *OpError
	if !errors.As(rec.errs[0], &oe) || oe.Op != "read" || oe.Net != "unixgram" {
		t.Fatalf("error %#v; want an *OpError of a unixgram read", rec.errs[0])
	}
}
