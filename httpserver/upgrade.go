package httpserver

import (
	"strings"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/http1"
)

// UpgradeFunc takes over a connection switched to another protocol: it
// gets the raw connection and returns its new handler, which receives
// the bytes that followed the request (and everything after), OnDrain
// and OnClose; its OnOpen is not called. A nil handler closes the
// connection. It runs on the connection's loop.
type UpgradeFunc func(c *eddy.Conn) eddy.Handler

// WriteInterim sends an interim (1xx) response ahead of the final one,
// such as 103 (Early Hints) with Link fields: status must be 100 or 102
// to 199 (101 is Upgrade's), and h holds its fields (nil for none). It
// must come before the final response's head, else ErrInterim. An
// HTTP/1.0 client, which does not know 1xx responses, is sent nothing.
// Loop-only.
func (w *ResponseWriter) WriteInterim(status int, h *Header) error {
	switch {
	case w.ended:
		return ErrResponseEnded
	case w.dead:
		return ErrConnClosed
	case status < 100 || status > 199 || status == 101 || w.committed:
		return ErrInterim
	case w.req.ProtoMinor == 0:
		return nil
	}
	if status == 100 {
		if w.continued {
			return nil
		}
		w.continued = true
	}
	w.out(func(b []byte) []byte {
		b, _ = http1.AppendStatusLine(b, status)
		if h != nil {
			for i := range h.fields {
				f := &h.fields[i]
				if nb, err := http1.AppendField(b, f.Name, f.Value); err == nil {
					b = nb
				}
			}
		}
		return append(b, "\r\n"...)
	})
	return nil
}

// IsUpgrade reports whether the request asks to switch protocols (an
// HTTP/1.1 request with an Upgrade field and the "upgrade" connection
// option), so that ResponseWriter.Upgrade may answer it.
func (r *Request) IsUpgrade() bool { return r.upgrade && !r.w.tunnel }

// Upgrade answers an upgrade request (Request.IsUpgrade) with 101
// (Switching Protocols) to protocol, carrying the header fields set so
// far (such as Sec-WebSocket-Accept), and hands the connection over:
// once the responses before this one have been sent and the 101 queued,
// the server stops parsing HTTP on it, forgets it and calls fn, which
// returns the connection's new handler. A graceful shutdown does not
// close a switched connection, but waits for it like any connection of
// its loop: the new protocol closes it (Loop.OnShutdown tells when). The response has ended when Upgrade returns. If the
// connection closes before the switch, fn is not called (OnAbort
// callbacks are). It returns ErrNotUpgrade for a request that did not
// ask for an upgrade, one whose body has not been read whole, or a
// response whose head has been sent. Loop-only.
func (w *ResponseWriter) Upgrade(protocol string, fn UpgradeFunc) error {
	r := w.req
	switch {
	case w.ended:
		return ErrResponseEnded
	case w.dead:
		return ErrConnClosed
	case !r.upgrade || w.tunnel || w.committed || fn == nil || protocol == "" || !validToken(protocol):
		return ErrNotUpgrade
	case r.bstate != bodyNone || r.bodyErr != nil:
		return ErrNotUpgrade
	}
	w.status = 101
	w.committed = true
	w.prepared = true
	w.noBody = true
	w.x().upgradeFn = fn
	w.out(func(b []byte) []byte {
		b, _ = http1.AppendStatusLine(b, 101)
		for i := range w.header.fields {
			f := &w.header.fields[i]
			switch {
			case strings.EqualFold(f.Name, "Connection"), strings.EqualFold(f.Name, "Upgrade"),
				strings.EqualFold(f.Name, "Content-Length"), strings.EqualFold(f.Name, "Transfer-Encoding"):
				continue
			}
			if nb, err := http1.AppendField(b, f.Name, f.Value); err == nil {
				b = nb
			}
		}
		b = append(b, "Connection: Upgrade\r\nUpgrade: "...)
		b = append(b, protocol...)
		return append(b, "\r\n\r\n"...)
	})
	w.End()
	return nil
}

func validToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == ',' {
			return false
		}
	}
	return true
}

// tryHijack switches the connection over once the upgraded response is
// in front, its request parsed whole and the output handed to the
// transport.
func (sc *serverConn) tryHijack() {
	if sc.closed || len(sc.queue) == 0 {
		return
	}
	w := &sc.queue[0].w
	if w.upgrading() == nil || sc.cur != nil {
		return
	}
	sc.flush()
	if len(sc.out) > 0 || len(sc.held) > 0 || len(sc.files) > 0 {
		sc.hijackLater = true // onDrain comes back here
		return
	}
	fn := w.ext.upgradeFn
	w.ext.upgradeFn = nil
	sc.queue[0].queued = false
	sc.queue = nil
	sc.closed = true // the state machine is done with the connection
	sc.deadline = time.Time{}
	if sc.ls != nil {
		sc.ls.remove(sc)
	}
	sc.t.Hijack(fn)
}
