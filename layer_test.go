package eddy

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// xorLayer is a toy layer: a one-byte "hello" handshake each way, then
// every byte XORed with a key, and a '!' goodbye.
type xorLayer struct {
	key      byte
	gotHello bool
	sawBye   bool
}

func (x *xorLayer) Start(lc *LayerConn) { lc.WriteRaw([]byte{'H'}) }

func (x *xorLayer) Input(lc *LayerConn, p []byte) error {
	if !x.gotHello {
		if p[0] != 'H' {
			return errors.New("bad hello")
		}
		x.gotHello = true
		p = p[1:]
		lc.Ready()
	}
	out := make([]byte, 0, len(p))
	for _, b := range p {
		if b == '!' {
			x.sawBye = true
			continue
		}
		out = append(out, b^x.key)
	}
	lc.Deliver(out)
	return nil
}

func (x *xorLayer) EOF(lc *LayerConn) error {
	if !x.sawBye {
		return errors.New("truncated")
	}
	return nil
}

func (x *xorLayer) Output(lc *LayerConn, p []byte) error {
	out := make([]byte, len(p))
	for i, b := range p {
		out[i] = b ^ x.key
	}
	return lc.WriteRaw(out)
}

func (x *xorLayer) Close(lc *LayerConn) { lc.WriteRaw([]byte{'!'}) }

func TestLayer(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var serverOpened, clientOpened int
	var serverErr, clientErr error = errors.New("unset"), errors.New("unset")
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		open: func(c *Conn) { serverOpened++ },
		data: func(c *Conn, d []byte) int {
			c.Write(bytes.ToUpper(d))
			c.Close()
			return len(d)
		},
		close: func(_ *Conn, err error) { serverErr = err },
	}, WithLayer(func(*Conn) Layer { return &xorLayer{key: 0x5a} }))
	var got []byte
	var raw *xorLayer
	c, _ := l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) { clientOpened++ },
		data: func(c *Conn, d []byte) int { got = append(got, d...); return len(d) },
		close: func(_ *Conn, err error) {
			clientErr = err
			ln.Close()
		},
	})
	raw = &xorLayer{key: 0x5a}
	c.SetLayer(raw)
	c.Write([]byte("quiet")) // before the handshake: held, then sent
	run(t, l)
	if string(got) != "QUIET" || serverOpened != 1 || clientOpened != 1 {
		t.Fatalf("got %q opened %d/%d", got, serverOpened, clientOpened)
	}
	if serverErr != nil || clientErr != nil {
		t.Fatalf("errors: server %v client %v", serverErr, clientErr)
	}
}

// Writev through a layer is all or nothing: a queue that crosses its high
// water mark part way through does not refuse the later buffers.
func TestLayerWritevAllOrNothing(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var got []byte
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		open: func(c *Conn) {
			// Hold back reading, so that the writer's queue fills.
			c.PauseRead()
			l.AfterFunc(50*time.Millisecond, c.ResumeRead)
		},
		data: func(c *Conn, d []byte) int { got = append(got, d...); return len(d) },
	}, WithLayer(func(*Conn) Layer { return &xorLayer{key: 7} }))
	chunk := bytes.Repeat([]byte("w"), 4<<20)
	var werr error
	c, _ := l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) {
			c.SetWriteBuffer(1<<10, 1<<20) // crossed by the first buffer
			werr = c.Writev(chunk, chunk, chunk)
			c.Close()
		},
		close: func(*Conn, error) { l.AfterFunc(50e6, func() { ln.Close() }) },
	})
	c.SetLayer(&xorLayer{key: 7})
	run(t, l)
	if werr != nil || len(got) != 3*len(chunk) {
		t.Fatalf("Writev: %v; peer got %d of %d bytes", werr, len(got), 3*len(chunk))
	}
}

// peakLayer is xorLayer noting the largest socket queue its output made.
type peakLayer struct {
	xorLayer
	peak int
}

func (p *peakLayer) Output(lc *LayerConn, b []byte) error {
	err := p.xorLayer.Output(lc, b)
	p.peak = max(p.peak, (*Conn)(lc).outLen)
	return err
}

// SendFile through a layer reads the file into it a chunk at a time as
// the socket drains, so the queue stays near its high water mark however
// large the file; made before the handshake, it waits for it, in order
// with the writes around it; the file counts against the high water mark
// (a Write behind it is refused until OnDrain), and Close sends the
// layer's goodbye only after everything held.
func TestLayerSendFile(t *testing.T) {
	leakcheck.Check(t)
	const size = 8 << 20
	content := make([]byte, size)
	for i := range content {
		content[i] = 'a' + byte(i%26) // never the goodbye once XORed
	}
	// Not t.TempDir: its cleanup fails under Wine 8, which lacks the
	// FileDispositionInformationEx that os.RemoveAll uses.
	f, err := os.CreateTemp("", "eddy-layer-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(); os.Remove(f.Name()) })
	if _, err := f.Write(content); err != nil {
		t.Fatal(err)
	}

	l := newLoop(t)
	var got []byte
	serverErr := errors.New("unset")
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		open: func(c *Conn) {
			c.PauseRead() // the writer's queue fills meanwhile
			l.AfterFunc(50*time.Millisecond, c.ResumeRead)
		},
		data:  func(c *Conn, d []byte) int { got = append(got, d...); return len(d) },
		close: func(_ *Conn, err error) { serverErr = err },
	}, WithLayer(func(*Conn) Layer { return &xorLayer{key: 9} }))
	const low, high = 64 << 10, 256 << 10
	var refused, tailErr, clientErr error
	var drained int
	c, _ := l.Dial("tcp", ln.Addr().String(), &funcHandler{
		drain: func(c *Conn) {
			if drained++; drained == 1 {
				tailErr = c.Write([]byte(":tail"))
				c.Close()
			}
		},
		close: func(_ *Conn, err error) {
			clientErr = err
			l.AfterFunc(50*time.Millisecond, func() { ln.Close() })
		},
	})
	ly := &peakLayer{xorLayer: xorLayer{key: 9}}
	c.SetLayer(ly)
	c.SetWriteBuffer(low, high)
	// Before the handshake.
	c.Write([]byte("head:"))
	if err := c.SendFile(f, 0, size); err != nil {
		t.Fatal(err)
	}
	buffered := c.Buffered()
	refused = c.Write([]byte("too soon"))
	run(t, l)
	want := append(append([]byte("head:"), content...), ":tail"...)
	if !bytes.Equal(got, want) {
		t.Fatalf("peer got %d bytes, want %d (head, the file, tail, in order); server %v, client %v", len(got), len(want), serverErr, clientErr)
	}
	if serverErr != nil || clientErr != nil || tailErr != nil {
		t.Fatalf("errors: server %v (a goodbye before the end looks truncated), client %v, tail %v", serverErr, clientErr, tailErr)
	}
	if buffered != 5+size || !errors.Is(refused, ErrQueueFull) {
		t.Errorf("after SendFile: Buffered %d (want %d), Write %v (want ErrQueueFull)", buffered, 5+size, refused)
	}
	if ly.peak > high+layerChunk {
		t.Errorf("socket queue peaked at %d bytes, want at most %d", ly.peak, high+layerChunk)
	}
}

// Plaintext a layer delivers while the handler has paused reading (here
// data that came with the handshake, delivered right after OnOpen paused)
// waits for ResumeRead, as bytes in the socket would.
func TestLayerDeliverWhilePaused(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var got []byte
	seenWhilePaused := -1
	ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		open: func(c *Conn) {
			c.PauseRead()
			l.AfterFunc(30*time.Millisecond, func() {
				seenWhilePaused = len(got)
				c.ResumeRead()
			})
		},
		data: func(c *Conn, d []byte) int {
			if c.Paused() {
				t.Errorf("OnData(%q) while paused", d)
			}
			got = append(got, d...)
			if string(got) == "hello" {
				c.Close()
			}
			return len(d)
		},
	}, WithLayer(func(*Conn) Layer { return &xorLayer{key: 7} }))
	// A raw client: its hello and the first data in one write, so that
	// the server's layer gets both from one read.
	msg := []byte{'H'}
	for _, b := range []byte("hello") {
		msg = append(msg, b^7)
	}
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open:  func(c *Conn) { c.Write(msg) },
		close: func(*Conn, error) { ln.Close() },
	})
	run(t, l)
	if seenWhilePaused != 0 || string(got) != "hello" {
		t.Fatalf("delivered while paused: %d bytes; in all %q", seenWhilePaused, got)
	}
}
