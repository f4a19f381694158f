package eddy

import "io"

// Layer transforms the bytes that pass between a connection's socket and
// its handler, in both directions: TLS is one (package tlsx). With a layer
// in place, bytes read from the socket go to Layer.Input, and the handler
// sees only what the layer delivers; the handler's writes go to
// Layer.Output, and only what the layer writes raw reaches the socket.
// The handler's OnOpen waits until the layer says it is ready (a finished
// handshake). A connection's layer is called on its loop only.
type Layer interface {
	// Start runs once the socket is connected, before anything is read.
	// A client layer writes its first flight here.
	Start(lc *LayerConn)
	// Input receives bytes read from the socket; p is valid only during
	// the call. An error closes the connection with that error.
	Input(lc *LayerConn, p []byte) error
	// EOF reports that the peer closed its side. It returns nil for a
	// clean end (the connection then closes cleanly) or an error, such as
	// a truncation, to close it with.
	EOF(lc *LayerConn) error
	// Output receives the handler's plaintext, after Ready, and writes
	// what it becomes with WriteRaw. The layer must not keep p.
	Output(lc *LayerConn, p []byte) error
	// Close runs when the connection begins a graceful close, so that the
	// layer can write its goodbye (a TLS close_notify) with WriteRaw.
	Close(lc *LayerConn)
}

// LayerConn is the view of a connection that its Layer gets: the raw
// socket below and the handler above. Its methods are loop-only.
type LayerConn Conn

// Conn returns the connection as its handler sees it.
func (lc *LayerConn) Conn() *Conn { return (*Conn)(lc) }

// Closing reports whether the connection is closing for good (Close
// ran), as opposed to shutting down only its writing side (CloseWrite):
// Layer.Close runs for both, and after CloseWrite the connection goes on
// reading.
func (lc *LayerConn) Closing() bool { return lc.flags&cClosing != 0 }

// WriteRaw writes p to the socket, below the layer, with the semantics of
// Conn.Write except for the high water mark, which applies to the
// handler's writes only.
func (lc *LayerConn) WriteRaw(p []byte) error {
	c := (*Conn)(lc)
	if c.flags&(cClosed|cWriteShut) != 0 {
		return ErrClosed
	}
	return c.writeRaw(p)
}

// Deliver hands plaintext to the handler's OnData, with the usual
// keeping of unconsumed bytes.
func (lc *LayerConn) Deliver(p []byte) {
	c := (*Conn)(lc)
	if c.flags&cClosed != 0 || len(p) == 0 {
		return
	}
	c.deliver(p)
}

// Ready tells the connection that the layer is established: the handler's
// OnOpen runs, and plaintext written before it goes through Output.
func (lc *LayerConn) Ready() {
	c := (*Conn)(lc)
	e := c.ext
	if c.flags&cClosed != 0 || e.layerReady {
		return
	}
	e.layerReady = true
	pending := e.pending
	e.pending = nil
	for _, p := range pending {
		if err := e.layer.Output(lc, p); err != nil {
			c.fail(err)
			return
		}
	}
	c.callOpen()
}

// IsReady reports whether Ready has been called.
func (lc *LayerConn) IsReady() bool { return lc.ext.layerReady }

// Fail closes the connection at once with err, which OnClose reports.
func (lc *LayerConn) Fail(err error) { (*Conn)(lc).fail(err) }

// Loop returns the connection's loop.
func (lc *LayerConn) Loop() *Loop { return lc.loop }

// SetLayer puts l between the connection's socket and its handler. Call
// it before the connection opens: in the handler of a listener, use a
// layer-aware listener (such as tlsx's); for a dial, right after Dial
// returns. Loop-only.
func (c *Conn) SetLayer(l Layer) {
	e := c.ext0()
	e.layer = l
	e.layerReady = false
}

// Layer returns the connection's layer, or nil.
func (c *Conn) Layer() Layer {
	if c.ext == nil {
		return nil
	}
	return c.ext.layer
}

func (c *Conn) layer() Layer {
	if c.ext == nil {
		return nil
	}
	return c.ext.layer
}

// layerEOF asks the layer how the stream ended.
func (c *Conn) layerEOF(ly Layer) {
	if err := ly.EOF((*LayerConn)(c)); err != nil {
		c.fail(opError("read", c.netw.String(), c.RemoteAddr(), err))
		return
	}
	c.peerClosed()
}

// copyFile writes a file region through the connection's layer, which
// must see the bytes (sendfile would bypass it), in chunks.
func (c *Conn) copyFile(f interface {
	ReadAt([]byte, int64) (int, error)
}, off, n int64) error {
	buf := make([]byte, 32<<10)
	for n > 0 {
		k := int64(len(buf))
		if k > n {
			k = n
		}
		m, err := f.ReadAt(buf[:k], off)
		if m > 0 {
			if werr := c.ext.layer.Output((*LayerConn)(c), buf[:m]); werr != nil {
				return werr
			}
		}
		if err != nil {
			if err == io.EOF && int64(m) == k {
				break
			}
			return err
		}
		off += int64(m)
		n -= int64(m)
	}
	return nil
}
