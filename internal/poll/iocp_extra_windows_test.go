//go:build windows

package poll

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/windows"
)

// dgramRecorder records datagrams.
type dgramRecorder struct {
	recorder
	data [][]byte
	from []net.Addr
	errs []error
}

func (r *dgramRecorder) RecvDone(p []byte, from net.Addr, err error) {
	if err != nil {
		r.errs = append(r.errs, err)
		return
	}
	r.data = append(r.data, append([]byte(nil), p...))
	r.from = append(r.from, from)
}

// Every write is overlapped: TryWrite takes nothing and says so.
func TestTryWriteDefers(t *testing.T) {
	p := newPoller(t)
	a, _, _, _ := pair(t, p)
	n, err := p.TryWrite(a, [][]byte{[]byte("x")})
	if n != 0 || err != nil {
		t.Fatalf("TryWrite = %d, %v; want 0, nil", n, err)
	}
}

// A write of many buffers, some empty, arrives whole and in order.
func TestWriteManyBuffers(t *testing.T) {
	p := newPoller(t)
	a, b, ra, rb := pair(t, p)
	var bufs [][]byte
	var want []byte
	for i := 0; i < 2000; i++ {
		s := []byte(fmt.Sprintf("%d,", i))
		bufs = append(bufs, s, nil)
		want = append(want, s...)
	}
	if err := p.Write(a, bufs); err != nil {
		t.Fatal(err)
	}
	p.StartRead(b)
	waitFor(t, p, func() bool { return ra.writes == 1 && rb.total() == len(want) })
	if got := bytes.Join(rb.reads, nil); !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, not what was written", len(got))
	}
	// Empty buffers alone still complete.
	if err := p.Write(a, [][]byte{nil, {}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return ra.writes == 2 })
	if ra.writeErr != nil {
		t.Fatal(ra.writeErr)
	}
}

// Bytes that arrive while reading is stopped are held, not lost, and
// delivered once reading starts again.
func TestStopReadHoldsData(t *testing.T) {
	p := newPoller(t)
	a, b, ra, rb := pair(t, p)
	p.StartRead(b)
	p.StopRead(b)
	p.Write(a, [][]byte{[]byte("held")})
	waitFor(t, p, func() bool { return ra.writes == 1 })
	for i := 0; i < 5; i++ {
		p.Wait(10)
	}
	if len(rb.reads) != 0 {
		t.Fatalf("delivered %q while stopped", rb.reads)
	}
	p.StartRead(b)
	waitFor(t, p, func() bool { return rb.total() == 4 })
	if string(rb.reads[0]) != "held" {
		t.Fatalf("read %q", rb.reads[0])
	}
}

// Many connections made at once are all accepted.
func TestAcceptMany(t *testing.T) {
	p := newPoller(t)
	ls, err := Listen("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	var lfd FD
	if err := p.Register(&lfd, ls, r); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&lfd)
	p.StartAccept(&lfd)
	addr := LocalAddr(&lfd, "tcp4").String()
	const n = 40
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	waitFor(t, p, func() bool { return len(r.accepted) == n })
	for _, s := range r.accepted {
		var fd FD
		if err := p.Register(&fd, s, &recorder{}); err != nil {
			t.Fatal(err)
		}
		if RemoteAddr(&fd, "tcp4") == nil {
			t.Fatal("accepted socket has no peer address (SO_UPDATE_ACCEPT_CONTEXT)")
		}
		p.Close(&fd)
	}
}

// Closing a listener and a reader with calls in flight aborts them; the
// aborted completions are swallowed, and their memory stays valid.
func TestCloseWithCallsInFlight(t *testing.T) {
	p := newPoller(t)
	a, b, _, rb := pair(t, p)
	p.StartRead(b)
	ls, _ := Listen("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, ListenConfig{})
	lr := &recorder{}
	var lfd FD
	p.Register(&lfd, ls, lr)
	p.StartAccept(&lfd)
	if err := p.Close(&lfd); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(b); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	for i := 0; i < 5; i++ {
		if _, err := p.Wait(10); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
	}
	if len(lr.accepted) != 0 || len(rb.reads) != 0 || rb.readErr != nil || rb.eof {
		t.Fatal("a closed FD got a completion")
	}
	_ = a
}

func TestUDPRecvFrom(t *testing.T) {
	p := newPoller(t)
	s, err := ListenPacket("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := &dgramRecorder{}
	var fd FD
	if err := p.Register(&fd, s, r); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&fd)
	if err := p.StartRecv(&fd); err != nil {
		t.Fatal(err)
	}
	to := LocalAddr(&fd, "udp4")
	cs, err := Socket("udp4", to, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfd FD
	p.Register(&cfd, cs, &dgramRecorder{})
	defer p.Close(&cfd)
	for _, m := range []string{"one", "two", "three"} {
		if _, err := SendTo(&cfd, "udp4", []byte(m), to); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, p, func() bool { return len(r.data) == 3 })
	if string(r.data[0]) != "one" || string(r.data[2]) != "three" {
		t.Fatalf("got %q", r.data)
	}
	from, ok := r.from[0].(*net.UDPAddr)
	if !ok || !from.IP.Equal(net.IPv4(127, 0, 0, 1)) || from.Port != LocalAddr(&cfd, "udp4").(*net.UDPAddr).Port {
		t.Fatalf("from %v, want 127.0.0.1 and the sender's port", r.from[0])
	}
}

func TestNotifyOnEvent(t *testing.T) {
	p := newPoller(t)
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	var fd FD
	if err := p.Register(&fd, ev, r); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&fd)
	if err := p.Notify(&fd); err != nil {
		t.Fatal(err)
	}
	p.Wait(10)
	if r.notified != 0 {
		t.Fatal("notified before the event was set")
	}
	windows.SetEvent(ev)
	waitFor(t, p, func() bool { return r.notified == 1 })
	p.Wait(10)
	if r.notified != 1 {
		t.Fatalf("notified %d times", r.notified)
	}
	p.Notify(&fd) // still signaled: fires again
	waitFor(t, p, func() bool { return r.notified == 2 })
	// Armed and then closed: nothing more.
	windows.ResetEvent(ev)
	var fd2 FD
	ev2, _ := windows.CreateEvent(nil, 1, 0, nil)
	p.Register(&fd2, ev2, r)
	p.Notify(&fd2)
	p.Close(&fd2)
	p.Wait(10)
	if r.notified != 2 {
		t.Fatalf("closed wait notified")
	}
}

// An overlapped named pipe is read and written with ReadFile and
// WriteFile; its closing reads as the end of the stream.
func TestOverlappedPipe(t *testing.T) {
	p := newPoller(t)
	name, _ := windows.UTF16PtrFromString(fmt.Sprintf(`\\.\pipe\eddy-test-%d`, os.Getpid()))
	srv, err := windows.CreateNamedPipe(name, windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_OVERLAPPED|windows.FILE_FLAG_FIRST_PIPE_INSTANCE,
		windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE|windows.PIPE_WAIT, 1, 4096, 4096, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		windows.CloseHandle(srv)
		t.Fatal(err)
	}
	rs, rc := &recorder{}, &recorder{}
	var fs, fc FD
	if err := p.Register(&fs, srv, rs); err != nil {
		t.Fatal(err)
	}
	if err := p.Register(&fc, cli, rc); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&fs)
	p.StartRead(&fs)
	big := bytes.Repeat([]byte("p"), 100000) // more than the pipe holds
	if err := p.Write(&fc, [][]byte{[]byte("a"), big}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return rc.writes == 1 && rs.total() == len(big)+1 })
	if rc.writeErr != nil {
		t.Fatal(rc.writeErr)
	}
	p.Close(&fc)
	waitFor(t, p, func() bool { return rs.eof })
}

func TestMapErr(t *testing.T) {
	for _, c := range []struct {
		in   syscall.Errno
		want syscall.Errno
	}{
		{windows.WSAECONNREFUSED, syscall.ECONNREFUSED},
		{windows.ERROR_CONNECTION_REFUSED, syscall.ECONNREFUSED},
		{windows.WSAECONNRESET, syscall.ECONNRESET},
		{windows.ERROR_NETNAME_DELETED, syscall.ECONNRESET},
		{windows.WSAEADDRINUSE, syscall.EADDRINUSE},
		{windows.WSAETIMEDOUT, syscall.ETIMEDOUT},
		{windows.WSAEWOULDBLOCK, syscall.EAGAIN},
	} {
		if got := mapErr(c.in); got != c.want {
			t.Errorf("mapErr(%d) = %v, want %v", c.in, got, c.want)
		}
	}
	if err := wrapErr("x", windows.WSAECONNREFUSED); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("wrapErr does not match ECONNREFUSED: %v", err)
	}
	if mapRecvErr(windows.WSAECONNRESET) != syscall.ECONNREFUSED {
		t.Error("a datagram reset is a refusal")
	}
}

// A directory handle delivers ReadDirectoryChangesW records as reads.
func TestDirectoryReads(t *testing.T) {
	p := newPoller(t)
	dir, err := os.MkdirTemp("", "eddy-dir")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(dir)
	name, _ := windows.UTF16PtrFromString(dir)
	h, err := windows.CreateFile(name, windows.FILE_LIST_DIRECTORY,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	var fd FD
	if err := p.Register(&fd, h, r); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&fd)
	WatchDirectory(&fd, windows.FILE_NOTIFY_CHANGE_FILE_NAME, false)
	p.StartRead(&fd)
	p.Wait(0)
	file := dir + `\new.txt`
	os.WriteFile(file, nil, 0o600)
	defer os.Remove(file)
	waitFor(t, p, func() bool { return len(r.reads) > 0 })
	rec := r.reads[0]
	if len(rec) < 12 || rec[4] != windows.FILE_ACTION_ADDED {
		t.Fatalf("record % x", rec)
	}
}
