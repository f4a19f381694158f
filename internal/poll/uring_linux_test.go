//go:build linux

package poll

import (
	"bytes"
	"testing"
	"unsafe"
)

func newURingPoller(t *testing.T) *uring {
	t.Helper()
	p, err := newURing()
	if err != nil {
		t.Skipf("io_uring unavailable: %v", err)
	}
	t.Cleanup(func() { p.Shutdown() })
	return p
}

func TestURingSelectedByEnvironment(t *testing.T) {
	if _, err := newURing(); err != nil {
		t.Skipf("io_uring unavailable: %v", err)
	}
	t.Setenv("EDDY_POLLER", "uring")
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown()
	if _, ok := p.(*uring); !ok {
		t.Fatalf("EDDY_POLLER=uring gave %T", p)
	}
	t.Setenv("EDDY_POLLER", "")
	q, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer q.Shutdown()
	if _, ok := q.(*epoll); !ok {
		t.Fatalf("default backend is %T", q)
	}
}

// The Poller tests of poll_test.go, run on the io_uring backend.
func TestURingEcho(t *testing.T) {
	p := newURingPoller(t)
	a, b, ra, rb := pair(t, p)
	p.StartRead(a)
	p.StartRead(b)
	for i := 0; i < 100; i++ {
		msg := []byte{byte(i), 'x'}
		if err := p.Write(a, [][]byte{msg[:1], nil, msg[1:]}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, p, func() bool { return ra.writes == i+1 && rb.total() == 2*(i+1) })
	}
	if ra.writeErr != nil {
		t.Fatal(ra.writeErr)
	}
	for i := 0; i < 100; i++ {
		if got := rb.reads; !bytes.Contains(bytes.Join(got, nil), []byte{byte(i), 'x'}) {
			t.Fatalf("message %d missing", i)
		}
	}
}

// A write of nothing but empty buffers completes on the next turn.
func TestURingEmptyWrite(t *testing.T) {
	p := newURingPoller(t)
	a, _, ra, _ := pair(t, p)
	if err := p.Write(a, [][]byte{nil, {}}); err != nil {
		t.Fatal(err)
	}
	if ra.writes != 0 {
		t.Fatal("WriteDone inside Write")
	}
	waitFor(t, p, func() bool { return ra.writes == 1 })
	if ra.writeErr != nil || a.Writing() {
		t.Fatalf("err %v, writing %v", ra.writeErr, a.Writing())
	}
}

// A large asynchronous write, many times the socket buffers, arrives
// whole and in order, with partial completions resubmitted.
func TestURingLargeWrite(t *testing.T) {
	p := newURingPoller(t)
	a, b, ra, rb := pair(t, p)
	data := make([]byte, 4<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if err := p.Write(a, [][]byte{data[:1000], data[1000:]}); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(a, [][]byte{data}); err != ErrBusy {
		t.Fatalf("second Write = %v", err)
	}
	p.StartRead(b)
	waitFor(t, p, func() bool { return rb.total() == len(data) && ra.writes == 1 })
	if !bytes.Equal(bytes.Join(rb.reads, nil), data) {
		t.Fatal("data corrupted")
	}
}

// Data read by a request in flight when reading stops is held, not lost,
// and delivered by the next StartRead.
func TestURingStopReadHoldsData(t *testing.T) {
	p := newURingPoller(t)
	a, b, _, rb := pair(t, p)
	p.StartRead(b)
	p.Wait(0) // submit the read
	p.StopRead(b)
	p.TryWrite(a, [][]byte{[]byte("kept")})
	for i := 0; i < 20; i++ {
		p.Wait(5)
	}
	if len(rb.reads) != 0 {
		t.Fatalf("read %q while stopped", rb.reads)
	}
	p.StartRead(b)
	waitFor(t, p, func() bool { return rb.total() == 4 })
	if string(rb.reads[0]) != "kept" {
		t.Fatalf("read %q", rb.reads)
	}
	// An end of file met while stopped is held the same way.
	p.StopRead(b)
	p.Close(a)
	for i := 0; i < 20; i++ {
		p.Wait(5)
	}
	if rb.eof {
		t.Fatal("EOF while stopped")
	}
	p.StartRead(b)
	waitFor(t, p, func() bool { return rb.eof })
	if b.Reading() {
		t.Fatal("still reading after EOF")
	}
}

// Close with a read in flight cancels it: the peer sees the end of the
// stream, no completion reaches the owner, and the slot is reused.
func TestURingCloseCancelsRead(t *testing.T) {
	p := newURingPoller(t)
	a, b, ra, rb := pair(t, p)
	p.StartRead(a)
	p.StartRead(b)
	p.Wait(0)
	slots := len(p.slots)
	if err := p.Close(b); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return ra.eof })
	if len(rb.reads) != 0 || rb.eof || rb.readErr != nil {
		t.Fatal("closed socket got a completion")
	}
	waitFor(t, p, func() bool { return len(p.free) > 0 })
	var c FD
	s, err := Socket("tcp4", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Register(&c, s, &recorder{}); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&c)
	if len(p.slots) != slots {
		t.Fatalf("slot not reused: %d slots, then %d", slots, len(p.slots))
	}
}

// A pipe is read with a poll and direct reads: everything written before
// the loop looks arrives in one ReadDone, then EOF.
func TestURingReadPipe(t *testing.T) {
	p := newURingPoller(t)
	rf, wf := newPipe(t)
	s := adopt(t, rf)
	r := &recorder{}
	var fd FD
	p.Register(&fd, s, r)
	defer p.Close(&fd)
	p.StartRead(&fd)
	p.Wait(0)
	for i := 0; i < 10; i++ {
		wf.Write([]byte("ab"))
	}
	waitFor(t, p, func() bool { return r.total() == 20 })
	if len(r.reads) != 1 {
		t.Fatalf("%d reads for writes made before the loop looked", len(r.reads))
	}
	wf.Close()
	waitFor(t, p, func() bool { return r.eof })
}

// Stale completions of an earlier registration of a slot are dropped.
func TestURingStaleCompletionDropped(t *testing.T) {
	p := newURingPoller(t)
	_, b, _, rb := pair(t, p)
	i := p.bySock[b.sock]
	p.complete(uCQE{userData: userData(uopRead, i, b.gen+1), res: 3})
	p.complete(uCQE{userData: userData(uopRead, i+1000, b.gen), res: 3})
	if len(rb.reads) != 0 || rb.eof {
		t.Fatal("stale completion delivered")
	}
}

func TestURingShutdownTwice(t *testing.T) {
	p, err := newURing()
	if err != nil {
		t.Skip(err)
	}
	if err := p.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(); err != nil {
		t.Fatal(err)
	}
}

// The backend-independent tests of poll_test.go, on io_uring.
func TestURingCommonTests(t *testing.T) {
	if _, err := newURing(); err != nil {
		t.Skipf("io_uring unavailable: %v", err)
	}
	t.Setenv("EDDY_POLLER", "uring")
	for name, fn := range map[string]func(*testing.T){
		"ReadWriteCompletions":          TestReadWriteCompletions,
		"LargeWriteCompletesOnce":       TestLargeWriteCompletesOnce,
		"EOFAfterData":                  TestEOFAfterData,
		"ConnectRefused":                TestConnectRefused,
		"NotifyOnReadablePipe":          TestNotifyOnReadablePipe,
		"WakeFromAnotherGoroutine":      TestWakeFromAnotherGoroutine,
		"WakeRacesShutdown":             TestWakeRacesShutdown,
		"AcceptErrorRetries":            TestAcceptErrorRetries,
		"AdoptFileLeavesCallerBlocking": TestAdoptFileLeavesCallerBlocking,
		"CloseDropsCompletions":         TestCloseDropsCompletions,
		"MoveRehomesRegistration":       TestMoveRehomesRegistration,
		"RecvTruncated":                 TestRecvTruncated,
	} {
		t.Run(name, func(t *testing.T) {
			fn(t)
			p, _ := New()
			defer p.Shutdown()
			if _, ok := p.(*uring); !ok {
				t.Fatalf("ran on %T", p)
			}
		})
	}
}

// Without a provided buffer ring, sockets are read with single-shot
// reads into their own buffer; the same guarantees hold.
func TestURingSingleShotReads(t *testing.T) {
	p := newURingPoller(t)
	if p.br != nil {
		p.br.free()
		p.br = nil
	}
	a, b, _, rb := pair(t, p)
	p.StartRead(b)
	p.Wait(0)
	p.StopRead(b)
	p.TryWrite(a, [][]byte{[]byte("one")})
	for i := 0; i < 10; i++ {
		p.Wait(5)
	}
	if len(rb.reads) != 0 {
		t.Fatalf("read %q while stopped", rb.reads)
	}
	p.StartRead(b)
	waitFor(t, p, func() bool { return rb.total() == 3 })
	p.TryWrite(a, [][]byte{[]byte("two")})
	waitFor(t, p, func() bool { return rb.total() == 6 })
	if got := string(bytes.Join(rb.reads, nil)); got != "onetwo" {
		t.Fatalf("read %q", got)
	}
	p.Close(a)
	waitFor(t, p, func() bool { return rb.eof })
}

// The hand-written UAPI structures have the kernel's sizes.
func TestURingStructSizes(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"io_uring_params", unsafe.Sizeof(uParams{}), 120},
		{"io_uring_sqe", unsafe.Sizeof(uSQE{}), 64},
		{"io_uring_cqe", unsafe.Sizeof(uCQE{}), 16},
		{"io_uring_getevents_arg", unsafe.Sizeof(uGetEventsArg{}), 24},
		{"io_uring_buf_reg", unsafe.Sizeof(uBufReg{}), 40},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, c.got, c.want)
		}
	}
}
