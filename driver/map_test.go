package driver_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

func TestMap(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	atoi := func(s string) (int, error) { return strconv.Atoi(s) }
	called := 0
	counted := func(s string) (int, error) { called++; return len(s), nil }
	var num, bad, errRep, panicked, after *future.Future[int]
	onLoop(l, func() {
		num = driver.Map(cn, struct{}{}, cmd("ECHO 42"), 0, atoi)
		bad = driver.Map(cn, struct{}{}, cmd("ECHO x"), 0, atoi)
		errRep = driver.Map(cn, struct{}{}, cmd("ERR nope"), 0, counted)
		panicked = driver.Map(cn, struct{}{}, cmd("ECHO boom"), 0, func(string) (int, error) { panic("boom") })
		after = driver.Map(cn, struct{}{}, cmd("ECHO four"), driver.Idempotent, counted)
	})
	if v, err := num.Await(ctx(t)); err != nil || v != 42 {
		t.Fatalf("num = %d, %v", v, err)
	}
	var ne *strconv.NumError
	if _, err := bad.Await(ctx(t)); !errors.As(err, &ne) {
		t.Fatalf("conversion error = %v", err)
	}
	var re *errReply
	if _, err := errRep.Await(ctx(t)); !errors.As(err, &re) || re.msg != "nope" {
		t.Fatalf("error reply = %v", err)
	}
	var pe *future.PanicError
	if _, err := panicked.Await(ctx(t)); !errors.As(err, &pe) || pe.Value != "boom" {
		t.Fatalf("panic = %v", err)
	}
	// The replies after an error reply, a failed conversion and a panic
	// still match their requests.
	if v, err := after.Await(ctx(t)); err != nil || v != 4 {
		t.Fatalf("after = %d, %v", v, err)
	}
	if called != 1 {
		t.Errorf("conv called %d times, want 1 (not for the error reply)", called)
	}
}

// A Map request cancelled while it waits for the connection is never
// sent; one cancelled after it was written keeps its reply from the next
// request.
func TestMapCancel(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	id := func(s string) (string, error) { return s, nil }
	var cn *lineConn
	var dropped, slow, next *future.Future[string]
	onLoop(l, func() {
		cn = driver.New(l, driver.Config[struct{}, string]{Addr: srv.addr, Codec: &lineCodec{}})
		dropped = driver.Map(cn, struct{}{}, cmd("ECHO dropped"), 0, id)
		dropped.Cancel(errors.New("not wanted"))
		// Held until the cancel below: a reply due after a fixed time
		// could come first on a loaded machine.
		slow = driver.Map(cn, struct{}{}, cmd("SLOW held slow"), 0, id)
	})
	defer cn.Close()
	for len(srv.lines()) < 1 { // the slow request reached the server
		onLoop(l, func() {})
	}
	onLoop(l, func() {
		slow.Cancel(errors.New("too slow"))
		next = driver.Map(cn, struct{}{}, cmd("ECHO next"), 0, id)
	})
	srv.release(t)
	if _, err := dropped.Await(ctx(t)); !errors.Is(err, future.ErrCanceled) {
		t.Fatalf("dropped: %v", err)
	}
	if _, err := slow.Await(ctx(t)); !errors.Is(err, future.ErrCanceled) {
		t.Fatalf("slow: %v", err)
	}
	if v, err := next.Await(ctx(t)); err != nil || v != "next" {
		t.Fatalf("next = %q, %v", v, err)
	}
	if got := srv.lines(); len(got) != 2 || got[0] != "SLOW held slow" || got[1] != "ECHO next" {
		t.Fatalf("server saw %q", got)
	}
}

// A request cancelled in the loop turn that queued it, on a ready
// connection, is taken out of the batch before the write.
func TestCancelQueuedIsDropped(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	echo(t, cn, "warm", "ECHO warm")
	id := func(s string) (string, error) { return s, nil }
	var a, dropped, b, mapped *future.Future[string]
	onLoop(l, func() {
		a = cn.Call(struct{}{}, cmd("ECHO a"), 0)
		dropped = cn.Call(struct{}{}, cmd("ECHO dropped"), 0)
		mapped = driver.Map(cn, struct{}{}, cmd("ECHO mapped"), 0, id)
		b = cn.Call(struct{}{}, cmd("ECHO b"), 0)
		dropped.Cancel(errors.New("not wanted"))
		mapped.Cancel(errors.New("not wanted"))
	})
	for _, c := range []struct {
		f    *future.Future[string]
		want string
	}{{a, "a"}, {b, "b"}} {
		if v, err := c.f.Await(ctx(t)); err != nil || v != c.want {
			t.Fatalf("reply = %q, %v, want %q", v, err, c.want)
		}
	}
	for _, f := range []*future.Future[string]{dropped, mapped} {
		if _, err := f.Await(ctx(t)); !errors.Is(err, future.ErrCanceled) {
			t.Fatalf("cancelled: %v", err)
		}
	}
	if got := srv.lines(); len(got) != 3 || got[1] != "ECHO a" || got[2] != "ECHO b" {
		t.Fatalf("server saw %q", got)
	}
}

// Map from goroutines, off the loop, and after Close.
func TestMapOffLoop(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	f := driver.Map(cn, struct{}{}, cmd("ECHO 7"), 0, strconv.Atoi)
	if v, err := f.Await(ctx(t)); err != nil || v != 7 {
		t.Fatalf("off loop = %d, %v", v, err)
	}
	cn.Close()
	f = driver.Map(cn, struct{}{}, cmd("ECHO 8"), 0, strconv.Atoi)
	if _, err := f.Await(ctx(t)); !errors.Is(err, driver.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
