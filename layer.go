package eddy

import (
	"errors"
	"io"
)

// ErrEOFPending is what Layer.EOF returns when it cannot yet tell how the
// peer's stream ended, because that depends on work still under way off
// the loop (a TLS handshake that has the peer's last records to process).
// The connection then waits, without reading, for the layer to settle
// the end of the stream with LayerConn.SettleEOF; the loop goes on with
// its other work meanwhile. It is never reported to a handler.
var ErrEOFPending = errors.New("eddy: layer's end of stream pending")

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
	// clean end (the connection then closes cleanly, or an EOFHandler's
	// OnEOF runs) or an error, such as a truncation, to close it with.
	//
	// It must not wait: a layer that cannot decide yet (its handshake,
	// off the loop, still has records to process) returns ErrEOFPending
	// and later, on the loop, calls LayerConn.SettleEOF once with the
	// outcome. Until then it may still Deliver what came before the end
	// and call Ready, and the connection may still be closed (Close,
	// Abort, a deadline, the layer's Fail), after which SettleEOF does
	// nothing.
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
// keeping of unconsumed bytes. While reading is paused it only keeps p:
// ResumeRead offers it to OnData (and Close drops it).
func (lc *LayerConn) Deliver(p []byte) {
	c := (*Conn)(lc)
	if c.flags&cClosed != 0 || len(p) == 0 {
		return
	}
	if c.flags&cPaused != 0 {
		// The handler paused reading (or Close did) while the layer
		// still had plaintext from the socket's last read, such as data
		// that came with the handshake's final flight: keep it, as a
		// socket keeps what is not read, for ResumeRead to offer.
		if len(c.in)+len(p) > c.loop.cfg.maxReadBuf {
			c.fail(opError("read", c.netw.String(), c.RemoteAddr(), ErrReadBufferFull))
			return
		}
		c.in = append(c.in, p...)
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
	if e.closeLater && c.flags&cClosing != 0 {
		c.PauseRead() // Close ran during the handshake, which is over
	}
	if len(e.held) > 0 {
		c.pumpLayer()
		if c.flags&cClosed != 0 {
			return
		}
	}
	c.callOpen()
	// A Write refused while the output was held is owed an OnDrain. The
	// socket may have taken all of the held output at once, and then no
	// write completion comes to announce it: announce it here, after
	// OnOpen, as the handler's first callback must be.
	if c.flags&(cWantDrain|cClosed) == cWantDrain && c.queued() <= c.lowWater() {
		c.flags &^= cWantDrain
		c.callDrain()
	}
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
	if c.ext.peerDone {
		return // the layer's end came first, and waits for ResumeRead
	}
	err := ly.EOF((*LayerConn)(c))
	if err == ErrEOFPending {
		return // SettleEOF follows
	}
	if err != nil {
		c.fail(opError("read", c.netw.String(), c.RemoteAddr(), err))
		return
	}
	c.peerClosed()
}

// SettleEOF ends the wait that Layer.EOF began by returning
// ErrEOFPending: with nil, the peer's stream ended cleanly, and the
// connection goes on as when EOF returns nil (it closes once its output
// has gone, or the EOFHandler's OnEOF runs); with an error, it closes
// with that error, as a read error. It does nothing once the connection
// has closed, or when the layer has already ended the peer's stream
// within its protocol (PeerDone, for a TLS close_notify that came with
// the last records): the handler has been told then.
func (lc *LayerConn) SettleEOF(err error) {
	c := (*Conn)(lc)
	if c.flags&cClosed != 0 {
		return
	}
	if err != nil {
		c.fail(opError("read", c.netw.String(), c.RemoteAddr(), err))
		return
	}
	if c.flags&cEOF != 0 || c.ext.peerDone {
		// OnEOF has run, for PeerDone, or waits for ResumeRead (see
		// PeerDone): nothing more to tell.
		return
	}
	// While the end was pending, the read may have been armed again
	// (ResumeRead): reading is over, whichever way this goes, or the
	// socket's end of stream would come around a second time.
	if c.flags&(cPaused|cOpen) == cOpen {
		c.loop.poller.StopRead(&c.fd)
	}
	c.peerClosed()
}

// layerChunk is how much of a file region pumpLayer reads into the
// layer at a time.
const layerChunk = 32 << 10

// pumpLayer gives the layer the output held for it, in order: plaintext
// at once, and file regions a chunk at a time while the socket's queue is
// below its high water mark (WriteDone calls it again as the queue
// drains), so that a large file sent through TLS is never all in memory.
// A Close or CloseWrite that waited for the held output goes on once it
// has all been given.
func (c *Conn) pumpLayer() {
	e := c.ext
	for len(e.held) > 0 && e.layerReady && c.flags&cClosed == 0 {
		h := &e.held[0]
		if h.f == nil {
			p := h.b
			e.held[0] = heldOut{}
			e.held = e.held[1:]
			e.heldLen -= len(p)
			if err := e.layer.Output((*LayerConn)(c), p); err != nil {
				c.fail(err)
				return
			}
			continue
		}
		if c.outLen >= c.highWater() {
			return
		}
		if c.loop.layerBuf == nil {
			c.loop.layerBuf = make([]byte, layerChunk) // the layer keeps no reference to it
		}
		buf := c.loop.layerBuf[:min(int64(layerChunk), h.n)]
		m, err := h.f.ReadAt(buf, h.off)
		h.off += int64(m)
		h.n -= int64(m)
		e.heldLen -= m
		if err == io.EOF && m == len(buf) {
			err = nil
		} else if err == nil && m < len(buf) {
			err = io.ErrNoProgress
		}
		if m > 0 {
			if werr := e.layer.Output((*LayerConn)(c), buf[:m]); werr != nil {
				c.fail(werr)
				return
			}
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // the file is shorter than the region
			}
			c.fail(opError("sendfile", c.netw.String(), c.RemoteAddr(), err))
			return
		}
		if h.n == 0 {
			e.held[0] = heldOut{}
			e.held = e.held[1:]
		}
	}
	if len(e.held) > 0 || c.flags&cClosed != 0 {
		return
	}
	e.held = nil
	if e.closeLater {
		e.closeLater = false
		e.layer.Close((*LayerConn)(c))
	}
	if c.outLen == 0 && c.flags&cClosed == 0 {
		if c.flags&cClosing != 0 {
			c.closeNow(nil)
		} else if c.flags&cShutWrite != 0 && c.flags&cOpen != 0 {
			c.shutWrite()
		}
	}
}
