package eddy

import (
	"errors"
	"net"
	"syscall"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

type packetRecorder struct {
	onPacket func(pc *PacketConn, p []byte, from net.Addr)
	errs     []error
}

func (r *packetRecorder) OnPacket(pc *PacketConn, p []byte, from net.Addr) { r.onPacket(pc, p, from) }
func (r *packetRecorder) OnError(pc *PacketConn, err error)                { r.errs = append(r.errs, err) }

func TestUDPUnconnectedAndConnected(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	// An echo server on an unconnected socket.
	srv, err := l.ListenPacket("udp", "127.0.0.1:0", PacketFunc(func(pc *PacketConn, p []byte, from net.Addr) {
		if err := pc.WriteTo(append([]byte("echo:"), p...), from); err != nil {
			t.Error(err)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var from net.Addr
	cli, err := l.DialPacket("udp", srv.LocalAddr().String(), PacketFunc(func(pc *PacketConn, p []byte, f net.Addr) {
		got = append(got, string(p))
		from = f
		if len(got) == 2 {
			pc.Close()
			srv.Close()
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	cli.Write([]byte("one"))
	cli.Write([]byte("two"))
	run(t, l)
	if len(got) != 2 || got[0] != "echo:one" || got[1] != "echo:two" {
		t.Fatalf("got %q", got)
	}
	if from.String() != srv.LocalAddr().String() {
		t.Fatalf("from %v, want %v", from, srv.LocalAddr())
	}
	if err := cli.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestUDPConnectedRefused(t *testing.T) {
	skipUnderWine(t, "std net cannot open UDP sockets: Wine 8 fails WSAIoctl(SIO_UDP_CONNRESET)")
	leakcheck.Check(t)
	tmp, _ := net.ListenPacket("udp", "127.0.0.1:0")
	addr := tmp.LocalAddr().String()
	tmp.Close()
	l := newLoop(t)
	rec := &packetRecorder{onPacket: func(*PacketConn, []byte, net.Addr) {}}
	pc, err := l.DialPacket("udp", addr, rec)
	if err != nil {
		t.Fatal(err)
	}
	pc.Write([]byte("anyone?"))
	l.Idle(func() {}).Stop()
	var check func()
	tries := 0
	check = func() {
		tries++
		if len(rec.errs) > 0 || tries > 200 {
			pc.Close()
			return
		}
		pc.Write([]byte("anyone?"))
		l.AfterFunc(5e6, check)
	}
	l.AfterFunc(5e6, check)
	run(t, l)
	if len(rec.errs) == 0 || !errors.Is(rec.errs[0], ErrRefused) || !errors.Is(rec.errs[0], syscall.ECONNREFUSED) {
		t.Fatalf("errors %v", rec.errs)
	}
}
