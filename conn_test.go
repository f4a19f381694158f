package eddy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

func TestTCPClientServer(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, err := l.Listen("tcp", "127.0.0.1:0", echo{})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	var closeErr error = errors.New("OnClose not called")
	opened := 0
	_, err = l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) {
			opened++
			c.Write([]byte("hello, "))
			c.Write([]byte("eddy"))
		},
		data: func(c *Conn, d []byte) int {
			got.Write(d)
			if got.Len() == len("hello, eddy") {
				c.Close()
				ln.Close()
			}
			return len(d)
		},
		close: func(c *Conn, err error) { closeErr = err },
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, l)
	if got.String() != "hello, eddy" || opened != 1 || closeErr != nil {
		t.Fatalf("got %q opened %d closeErr %v", got.String(), opened, closeErr)
	}
}

func TestWritesBeforeConnectAreQueued(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, _ := l.Listen("tcp", "127.0.0.1:0", echo{})
	var got []byte
	c, err := l.Dial("tcp", ln.Addr().String(), &funcHandler{
		data: func(c *Conn, d []byte) int {
			got = append(got, d...)
			if len(got) == 6 {
				c.Close()
				ln.Close()
			}
			return len(d)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("def"))
	if c.Buffered() != 6 {
		t.Fatalf("Buffered = %d before connect", c.Buffered())
	}
	run(t, l)
	if string(got) != "abcdef" {
		t.Fatalf("got %q", got)
	}
}

func TestFailedConnectReportedOnce(t *testing.T) {
	leakcheck.Check(t)
	// A port with nothing listening.
	tmp, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := tmp.Addr().String()
	tmp.Close()
	l := newLoop(t)
	var errs []error
	opened := false
	c, err := l.Dial("tcp", addr, &funcHandler{
		open:  func(*Conn) { opened = true },
		close: func(_ *Conn, err error) { errs = append(errs, err) },
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("lost"))
	run(t, l)
	if opened || len(errs) != 1 {
		t.Fatalf("opened %v, errors %v", opened, errs)
	}
	var oe *OpError
	if !errors.Is(errs[0], ErrRefused) || !errors.Is(errs[0], syscall.ECONNREFUSED) || !errors.As(errs[0], &oe) || oe.Op != "dial" {
		t.Fatalf("error %v is not a refused dial", errs[0])
	}
}

func TestDialByHostName(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, _ := l.Listen("tcp4", "127.0.0.1:0", echo{})
	port := ln.Addr().(*net.TCPAddr).Port
	var closeErr error
	got := ""
	l.Dial("tcp4", net.JoinHostPort("localhost", strconv.Itoa(port)), &funcHandler{
		open: func(c *Conn) { c.Write([]byte("hi")) },
		data: func(c *Conn, d []byte) int {
			got += string(d)
			c.Close()
			ln.Close()
			return len(d)
		},
		close: func(_ *Conn, err error) { closeErr = err },
	})
	run(t, l)
	if got != "hi" || closeErr != nil {
		t.Fatalf("got %q err %v", got, closeErr)
	}
}

func TestDialTimeout(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	// A listener with a full backlog would be needed for a real SYN
	// timeout; a blackhole address is not available on loopback, so use
	// a timeout shorter than any connect can complete: zero-ish.
	ln, _ := l.Listen("tcp", "127.0.0.1:0", echo{}, WithBacklog(1))
	var errs []error
	l.Dial("tcp", "example.invalid:80", &funcHandler{
		close: func(_ *Conn, err error) { errs = append(errs, err); ln.Close() },
	}, WithDialTimeout(time.Nanosecond))
	run(t, l)
	if len(errs) != 1 || errors.Is(errs[0], ErrRefused) {
		t.Fatalf("errors %v", errs)
	}
}

func TestAddressInUse(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, err := l.Listen("tcp", "127.0.0.1:0", echo{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Listen("tcp", ln.Addr().String(), echo{})
	if !errors.Is(err, ErrAddrInUse) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("second Listen: %v", err)
	}
	ln.Close()
	run(t, l)
}

func TestServerCloseEndsClient(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		open: func(c *Conn) {
			c.Write([]byte("bye"))
			c.Close() // flushes, then closes
		},
	})
	got := ""
	closes := 0
	var closeErr error
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		data:  func(c *Conn, d []byte) int { got += string(d); return len(d) },
		close: func(_ *Conn, err error) { closes++; closeErr = err; ln.Close() },
	})
	run(t, l)
	if got != "bye" || closes != 1 || closeErr != nil {
		t.Fatalf("got %q closes %d err %v", got, closes, closeErr)
	}
}

// Four clients each send a payload larger than the read buffer; each must
// get its own bytes back, whole and uninterleaved.
func TestFourClientsLargePayloads(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, _ := l.Listen("tcp", "127.0.0.1:0", echo{})
	const size = 1 << 20 // 16 times the read buffer
	done := 0
	for i := 0; i < 4; i++ {
		payload := bytes.Repeat([]byte{byte('a' + i)}, size)
		var got []byte
		l.Dial("tcp", ln.Addr().String(), &funcHandler{
			open: func(c *Conn) {
				c.SetWriteBuffer(size, 2*size)
				if err := c.Write(payload); err != nil {
					t.Error(err)
				}
			},
			data: func(c *Conn, d []byte) int {
				got = append(got, d...)
				if len(got) == size {
					if !bytes.Equal(got, payload) {
						t.Errorf("client %c got interleaved or corrupt data", 'a'+i)
					}
					c.Close()
				}
				return len(d)
			},
			close: func(_ *Conn, err error) {
				if err != nil {
					t.Error(err)
				}
				done++
				if done == 4 {
					ln.Close()
				}
			},
		})
	}
	run(t, l)
	if done != 4 {
		t.Fatalf("%d clients finished", done)
	}
}

func TestPartialConsumeKeepsBytes(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	// A line protocol: consume whole lines only.
	var lines []string
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		data: func(c *Conn, d []byte) int {
			n := 0
			for {
				i := bytes.IndexByte(d[n:], '\n')
				if i < 0 {
					return n
				}
				lines = append(lines, string(d[n:n+i]))
				n += i + 1
			}
		},
		close: func(*Conn, error) {},
	})
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Error(err)
			return
		}
		for _, part := range []string{"al", "pha\nbe", "ta\n", "gam", "ma\n"} {
			c.Write([]byte(part))
			time.Sleep(2 * time.Millisecond)
		}
		c.Close()
		l.Post(func() { ln.Close() })
	}()
	l.Ref()
	l.AfterFunc(200*time.Millisecond, func() { l.Unref() })
	run(t, l)
	if strings.Join(lines, ",") != "alpha,beta,gamma" {
		t.Fatalf("lines %q", lines)
	}
}

func TestUnixSockets(t *testing.T) {
	skipOnWindows(t, "Unix domain sockets are not supported by the IOCP backend")
	leakcheck.Check(t)
	path := filepath.Join(t.TempDir(), "eddy.sock")
	l := newLoop(t)
	ln, err := l.Listen("unix", path, echo{})
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	l.Dial("unix", path, &funcHandler{
		open: func(c *Conn) { c.Write([]byte("over unix")) },
		data: func(c *Conn, d []byte) int {
			got += string(d)
			if got == "over unix" {
				c.Close()
				ln.Close()
			}
			return len(d)
		},
	})
	run(t, l)
	if got != "over unix" {
		t.Fatalf("got %q", got)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("socket file left behind: %v", err)
	}
}

// A peer that never reads: the writer's queue must stop at the high water
// mark with ErrQueueFull, and OnDrain must follow once the peer reads.
func TestSlowReaderBoundsWriterMemory(t *testing.T) {
	leakcheck.Check(t)
	const low, high = 64 << 10, 256 << 10
	l := newLoop(t, WithWriteBuffer(low, high))
	peerReady := make(chan net.Conn, 1)
	gl, _ := net.Listen("tcp", "127.0.0.1:0")
	defer gl.Close()
	go func() {
		c, err := gl.Accept()
		if err != nil {
			return
		}
		peerReady <- c
	}()
	chunk := make([]byte, 32<<10)
	maxBuffered, fulls, drains := 0, 0, 0
	var fill func(c *Conn)
	total := 0
	const want = 8 << 20
	fill = func(c *Conn) {
		for total < want {
			err := c.Write(chunk)
			if errors.Is(err, ErrQueueFull) {
				fulls++
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			total += len(chunk)
			if b := c.Buffered(); b > maxBuffered {
				maxBuffered = b
			}
		}
		c.Close()
	}
	l.Dial("tcp", gl.Addr().String(), &funcHandler{
		open: func(c *Conn) {
			// Small kernel buffers, so that the queue fills quickly.
			fill(c)
			// Start the reader only once the queue is full.
			go func() {
				p := <-peerReady
				time.Sleep(50 * time.Millisecond)
				io.Copy(io.Discard, p)
				p.Close()
			}()
		},
		drain: func(c *Conn) {
			drains++
			if c.Buffered() > low {
				t.Errorf("OnDrain with %d bytes queued, low water %d", c.Buffered(), low)
			}
			fill(c)
		},
	})
	run(t, l)
	if total != want {
		t.Fatalf("wrote %d of %d", total, want)
	}
	if maxBuffered > high+len(chunk) {
		t.Fatalf("queue reached %d bytes, high water %d", maxBuffered, high)
	}
	if fulls == 0 || drains == 0 {
		t.Fatalf("queue never filled (fulls %d, drains %d)", fulls, drains)
	}
}

// A peer that resets while we are writing gives exactly one error.
func TestResetDuringWriteReportedOnce(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	gl, _ := net.Listen("tcp", "127.0.0.1:0")
	defer gl.Close()
	go func() {
		c, err := gl.Accept()
		if err != nil {
			return
		}
		buf := make([]byte, 1024)
		c.Read(buf)
		c.(*net.TCPConn).SetLinger(0)
		c.Close() // RST
	}()
	var errs []error
	writeErrs := 0
	chunk := make([]byte, 64<<10)
	var pump func(c *Conn)
	pump = func(c *Conn) {
		for i := 0; i < 1000; i++ {
			if err := c.Write(chunk); err != nil {
				if !errors.Is(err, ErrQueueFull) {
					writeErrs++
				}
				return
			}
		}
	}
	l.Dial("tcp", gl.Addr().String(), &funcHandler{
		open:  pump,
		drain: pump,
		close: func(_ *Conn, err error) { errs = append(errs, err) },
	})
	run(t, l)
	if len(errs) != 1 || errs[0] == nil {
		t.Fatalf("close errors %v", errs)
	}
	if !errors.Is(errs[0], ErrReset) {
		t.Fatalf("close error %v does not match ErrReset", errs[0])
	}
}

func TestIdleTimeoutAndDeadline(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var serverErr error
	start := time.Now()
	var elapsed time.Duration
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		open: func(c *Conn) { c.SetIdleTimeout(50 * time.Millisecond) },
		close: func(_ *Conn, err error) {
			serverErr = err
			elapsed = time.Since(start)
		},
	})
	var clientErr error
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) { c.SetReadDeadline(time.Now().Add(5 * time.Second)) },
		close: func(_ *Conn, err error) {
			clientErr = err
			ln.Close()
		},
	})
	run(t, l)
	if !errors.Is(serverErr, ErrTimeout) || !errors.Is(serverErr, os.ErrDeadlineExceeded) {
		t.Fatalf("server close error %v", serverErr)
	}
	if elapsed < 50*time.Millisecond {
		t.Fatalf("idle timeout fired early: %v", elapsed)
	}
	if clientErr != nil {
		t.Fatalf("client saw %v, want a clean close", clientErr)
	}
}

func TestReadDeadlineFires(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, _ := l.Listen("tcp", "127.0.0.1:0", BaseHandler{})
	var err error
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open:  func(c *Conn) { c.SetReadDeadline(time.Now().Add(20 * time.Millisecond)) },
		close: func(_ *Conn, e error) { err = e; ln.Close() },
	})
	run(t, l)
	var oe *OpError
	if !errors.Is(err, ErrTimeout) || !errors.As(err, &oe) || oe.Op != "read" || !oe.Timeout() {
		t.Fatalf("got %v", err)
	}
}

func TestHalfClose(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	gl, _ := net.Listen("tcp", "127.0.0.1:0")
	defer gl.Close()
	res := make(chan string, 1)
	go func() {
		c, err := gl.Accept()
		if err != nil {
			res <- err.Error()
			return
		}
		b, _ := io.ReadAll(c) // ends at our CloseWrite
		c.Write([]byte("reply:" + string(b)))
		c.Close()
		res <- string(b)
	}()
	got := ""
	l.Dial("tcp", gl.Addr().String(), &funcHandler{
		open: func(c *Conn) {
			c.Write([]byte("request"))
			c.CloseWrite()
			if err := c.Write([]byte("x")); !errors.Is(err, ErrClosed) {
				t.Errorf("write after CloseWrite: %v", err)
			}
		},
		data: func(c *Conn, d []byte) int { got += string(d); return len(d) },
	})
	run(t, l)
	if s := <-res; s != "request" || got != "reply:request" {
		t.Fatalf("peer read %q, we read %q", s, got)
	}
}

func TestPauseResume(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var got []byte
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		data: func(c *Conn, d []byte) int {
			got = append(got, d...)
			c.PauseRead()
			l.AfterFunc(5*time.Millisecond, c.ResumeRead)
			return len(d)
		},
		close: func(c *Conn, err error) {},
	})
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) {
			c.Write(bytes.Repeat([]byte("z"), 100000))
			c.Close()
		},
		close: func(*Conn, error) {
			l.AfterFunc(50*time.Millisecond, func() { ln.Close() })
		},
	})
	run(t, l)
	if len(got) != 100000 {
		t.Fatalf("got %d bytes", len(got))
	}
}

func TestSendFile(t *testing.T) {
	skipUnderWine(t, "t.TempDir cleanup fails: Wine 8 lacks FileDispositionInformationEx, which os.RemoveAll uses")
	leakcheck.Check(t)
	content := bytes.Repeat([]byte("0123456789"), 50000)
	f := contentFile(t, content)
	l := newLoop(t)
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		open: func(c *Conn) {
			c.Write([]byte("<"))
			c.SetWriteBuffer(1<<10, 1<<20)
			c.SendFile(f, 10, int64(len(content)-20))
			if err := c.Write([]byte(">")); err != nil {
				t.Error(err)
			}
			c.Close()
		},
	})
	var got []byte
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		data:  func(c *Conn, d []byte) int { got = append(got, d...); return len(d) },
		close: func(*Conn, error) { ln.Close() },
	})
	run(t, l)
	want := append(append([]byte("<"), content[10:len(content)-10]...), '>')
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want %d", len(got), len(want))
	}
}

// SendFileWithHead queues its head and file region as one write, in
// order with the writes around it, whether the queue was empty or not,
// and copies the head.
func TestSendFileWithHead(t *testing.T) {
	skipUnderWine(t, "t.TempDir cleanup fails: Wine 8 lacks FileDispositionInformationEx, which os.RemoveAll uses")
	leakcheck.Check(t)
	content := bytes.Repeat([]byte("0123456789"), 50000)
	f := contentFile(t, content)
	l := newLoop(t)
	var buffered []int
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		open: func(c *Conn) {
			c.SetWriteBuffer(1<<10, 1<<21) // room for everything below
			head := []byte("[head1]")
			if err := c.SendFileWithHead(head, f, 0, 100); err != nil { // queue empty
				t.Error(err)
			}
			copy(head, "XXXXXXX")
			buffered = append(buffered, c.Buffered())
			c.Write([]byte("<"))
			if err := c.SendFileWithHead([]byte("[head2]"), f, 10, int64(len(content)-20)); err != nil { // behind others
				t.Error(err)
			}
			if err := c.SendFileWithHead(nil, f, 0, 5); err != nil { // no head
				t.Error(err)
			}
			if err := c.Write([]byte(">")); err != nil {
				t.Error(err)
			}
			c.Close()
		},
		close: func(c *Conn, err error) { buffered = append(buffered, c.Buffered()) },
	})
	var got []byte
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		data:  func(c *Conn, d []byte) int { got = append(got, d...); return len(d) },
		close: func(*Conn, error) { ln.Close() },
	})
	run(t, l)
	var want []byte
	want = append(append(want, "[head1]"...), content[:100]...)
	want = append(append(want, "<[head2]"...), content[10:len(content)-10]...)
	want = append(append(want, content[:5]...), '>')
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
	}
	if len(buffered) != 2 || buffered[0] > 107 || buffered[1] != 0 {
		t.Fatalf("Buffered after the first call and at close: %v", buffered)
	}
}

// contentFile returns content written to a file, open for reading until
// the test ends.
func contentFile(t *testing.T, content []byte) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// firstDiff returns the index of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestHandlerPanicClosesOnlyThatConn(t *testing.T) {
	leakcheck.Check(t)
	panics := 0
	l := newLoop(t, WithPanicHandler(func(any, []byte) { panics++ }))
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		data: func(c *Conn, d []byte) int {
			if string(d) == "bad" {
				panic("bad input")
			}
			c.Write(d)
			return len(d)
		},
	})
	var badErr error
	good := ""
	closed := 0
	finish := func() {
		closed++
		if closed == 2 {
			ln.Close()
		}
	}
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open:  func(c *Conn) { c.Write([]byte("bad")) },
		close: func(_ *Conn, err error) { badErr = err; finish() },
	})
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) { l.AfterFunc(20*time.Millisecond, func() { c.Write([]byte("good")) }) },
		data: func(c *Conn, d []byte) int {
			good += string(d)
			c.Close()
			return len(d)
		},
		close: func(*Conn, error) { finish() },
	})
	run(t, l)
	if panics != 1 || badErr != nil || good != "good" {
		t.Fatalf("panics %d badErr %v good %q", panics, badErr, good)
	}
}

func TestLoopStopClosesConns(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, _ := l.Listen("tcp", "127.0.0.1:0", echo{})
	var errs []error
	for i := 0; i < 3; i++ {
		l.Dial("tcp", ln.Addr().String(), &funcHandler{
			open:  func(c *Conn) { c.Write([]byte("x")) },
			data:  func(c *Conn, d []byte) int { l.Stop(); return len(d) },
			close: func(_ *Conn, err error) { errs = append(errs, err) },
		})
	}
	run(t, l)
	if len(errs) != 3 {
		t.Fatalf("%d OnClose calls", len(errs))
	}
	for _, err := range errs {
		if !errors.Is(err, ErrLoopStopped) {
			t.Fatalf("close error %v", err)
		}
	}
}

func TestTCPIPv6(t *testing.T) {
	leakcheck.Check(t)
	probe, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	probe.Close()
	l := newLoop(t)
	ln, err := l.Listen("tcp6", "[::1]:0", echo{})
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	var remote net.Addr
	l.Dial("tcp6", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) { remote = c.RemoteAddr(); c.Write([]byte("v6")) },
		data: func(c *Conn, d []byte) int {
			got += string(d)
			c.Close()
			ln.Close()
			return len(d)
		},
	})
	run(t, l)
	if got != "v6" || remote.String() != ln.Addr().String() {
		t.Fatalf("got %q from %v", got, remote)
	}
}

// A dual-stack listener ("tcp" on an unspecified address) takes IPv4
// clients too.
func TestTCPDualStack(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, err := l.Listen("tcp", ":0", echo{})
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	got := ""
	l.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port), &funcHandler{
		open: func(c *Conn) { c.Write([]byte("v4")) },
		data: func(c *Conn, d []byte) int {
			got += string(d)
			c.Close()
			ln.Close()
			return len(d)
		},
	})
	run(t, l)
	if got != "v4" {
		t.Fatalf("got %q", got)
	}
}

// ResumeRead after Close does not read again: Close stops reading at
// once, even while its queued output is still going out.
func TestResumeAfterCloseReadsNothing(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var got []byte
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		data: func(c *Conn, d []byte) int {
			got = append(got, d...)
			if c.flags&cClosing == 0 {
				// More than the socket buffers hold, so that Close
				// waits while the client does not read.
				c.SetWriteBuffer(64<<20, 32<<20)
				c.Write(make([]byte, 32<<20))
				c.Close()
				c.ResumeRead()
			}
			return len(d)
		},
	})
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) {
			c.PauseRead()
			c.Write([]byte("a"))
			l.AfterFunc(20*time.Millisecond, func() { c.Write([]byte("b")) })
			l.AfterFunc(60*time.Millisecond, c.ResumeRead)
		},
		close: func(*Conn, error) { ln.Close() },
	})
	run(t, l)
	if string(got) != "a" {
		t.Fatalf("the closed connection read %q, want only %q", got, "a")
	}
}
