package eddy

import (
	"errors"
	"net"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// Write on a closed socket fails with ErrClosed, as WriteTo does, whether
// or not the socket was connected: an unconnected one said instead that
// it was not connected, an error that matches no sentinel, so code that
// checks errors.Is(err, ErrClosed) after a close took it for a misuse.
func TestUDPWriteAfterCloseUnconnected(t *testing.T) {
	skipUnderWine(t, "std net cannot open UDP sockets: Wine 8 fails WSAIoctl(SIO_UDP_CONNRESET)")
	leakcheck.Check(t)
	l := newLoop(t)
	pc, err := l.ListenPacket("udp", "127.0.0.1:0", PacketFunc(func(*PacketConn, []byte, net.Addr) {}))
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.Write([]byte("x")); err == nil || errors.Is(err, ErrClosed) {
		t.Fatalf("Write on an open unconnected socket: %v; want a misuse error", err)
	}
	pc.Close()
	if err := pc.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v; want ErrClosed", err)
	}
	run(t, l)
}
