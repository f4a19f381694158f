package httpserver

import (
	"errors"
	"os"
	"strconv"

	"github.com/eddy-go/eddy"
)

// segment is output that cannot join the byte buffer: a file region
// (sendfile), or the bytes that must go out before one.
type segment struct {
	b    []byte
	f    *os.File
	off  int64
	n    int64
	done func()
}

// fileWait is a file region handed to the transport, done once the
// connection has written everything up to end.
type fileWait struct {
	end  int64
	done func()
}

// SendFile sends n bytes of f, from offset off, as body bytes: the
// kernel copies them from the file to the socket (sendfile), with no
// copy through the loop. The head is sent first if it has not been, and
// the region goes out in order with the body written before and after
// it; a chunked body gets it as one chunk. Set a Content-Length before
// the first write to send the response unchunked. done runs on the loop,
// once, when the region has been written or the connection has closed:
// f must stay open until then (close it in done). A response to HEAD
// counts the bytes and sends none.
//
// It returns ErrSendFileUnsupported when the connection cannot send
// files directly (a TLS layer, say): read the file and Write it then.
// Other errors are those of Write, except eddy.ErrQueueFull: the region
// is always taken, and OnWritable says when the connection can take more.
// done is not called when SendFile returns an error. Loop-only.
func (w *ResponseWriter) SendFile(f *os.File, off, n int64, done func()) error {
	w.hooked = true
	if n < 0 || off < 0 {
		return ErrFileRange
	}
	if f := w.filter(); f != nil && !w.ended && !w.dead {
		f.Flush(w.emit)
		if w.filter() != nil {
			return ErrSendFileUnsupported
		}
	}
	if err := w.check(0); err != nil {
		return err
	}
	if w.noBody && n > 0 {
		return ErrBodyNotAllowed
	}
	if w.clen >= 0 && w.written+n > w.clen {
		return ErrContentLength
	}
	if !w.sc.t.CanSendFile() {
		return ErrSendFileUnsupported
	}
	if done == nil {
		done = func() {}
	}
	if !w.committed {
		// The head waits in the output, as it would inside a batch, so
		// that addFile hands it over with the file (see flushHeld).
		in := w.sc.inData
		w.sc.inData = true
		w.commit(false)
		w.sc.inData = in
	}
	w.written += n
	if w.isHEAD || n == 0 {
		w.sc.t.Defer(done)
		return nil
	}
	seg := segment{f: f, off: off, n: n, done: done}
	if w.chunked {
		w.out(func(b []byte) []byte {
			b = strconv.AppendInt(b, n, 16)
			return append(b, "\r\n"...)
		})
	}
	if w.front {
		w.sc.addFile(seg)
	} else {
		w.x().segs = append(w.x().segs, segment{b: w.pending}, seg)
		w.pending = nil
	}
	if w.chunked {
		w.out(func(b []byte) []byte { return append(b, "\r\n"...) })
	}
	return nil
}

// addFile queues a file region after the output so far and tries to
// send it.
func (sc *serverConn) addFile(seg segment) {
	if len(sc.out) > 0 {
		sc.held = append(sc.held, segment{b: sc.out})
		sc.out = nil
	}
	sc.held = append(sc.held, seg)
	sc.flush()
}

// takeSegs moves the segments a response queued while it waited behind
// others to the connection's output.
func (sc *serverConn) takeSegs(segs []segment) {
	for _, s := range segs {
		if s.f == nil {
			sc.out = append(sc.out, s.b...)
		} else {
			if len(sc.out) > 0 {
				sc.held = append(sc.held, segment{b: sc.out})
				sc.out = nil
			}
			sc.held = append(sc.held, s)
		}
	}
}

// headSender is a transport that takes bytes and the file region after
// them as one operation (eddy.Conn.SendFileWithHead), so that a response
// head shares the file's first packets.
type headSender interface {
	SendFileWithHead(head []byte, f *os.File, off, n int64) error
}

// SendFileWithHead makes the glue a headSender.
func (g *connGlue) SendFileWithHead(head []byte, f *os.File, off, n int64) error {
	return g.c.SendFileWithHead(head, f, off, n)
}

// flushHeld gives the held segments to the transport, in order, and
// reports whether all went.
func (sc *serverConn) flushHeld() bool {
	for len(sc.held) > 0 {
		s := &sc.held[0]
		var head []byte // bytes sent as the head of the file s
		paired := false
		var err error
		switch hs, ok := sc.t.(headSender); {
		case s.f == nil && len(sc.held) > 1 && sc.held[1].f != nil && ok:
			head, paired = s.b, true
			s = &sc.held[1]
			sc.t.WatchDrain(true)
			err = hs.SendFileWithHead(head, s.f, s.off, s.n)
		case s.f == nil:
			err = sc.t.Write(s.b)
		default:
			sc.t.WatchDrain(true)
			err = sc.t.SendFile(s.f, s.off, s.n)
		}
		if errors.Is(err, eddy.ErrQueueFull) {
			sc.blocked = true
			if !sc.sendDL {
				sc.watchSend()
			}
			return false
		}
		if err != nil {
			// The connection is closing: onClose releases the rest.
			return false
		}
		if s.f == nil {
			sc.sent += int64(len(s.b))
		} else {
			sc.sent += int64(len(head)) + s.n
			sc.files = append(sc.files, fileWait{end: sc.sent, done: s.done})
		}
		if paired {
			sc.held[0] = segment{}
			sc.held = sc.held[1:]
		}
		sc.held[0] = segment{}
		sc.held = sc.held[1:]
	}
	sc.held = nil
	sc.watchSend() // the files are being sent
	return true
}

// checkFiles reports the file regions the connection has written.
func (sc *serverConn) checkFiles() {
	if len(sc.files) == 0 {
		return
	}
	written := sc.sent - int64(sc.t.Buffered())
	i := 0
	for i < len(sc.files) && sc.files[i].end <= written {
		i++
	}
	if i == 0 {
		return
	}
	done := sc.files[:i]
	sc.files = sc.files[i:]
	if len(sc.files) == 0 {
		sc.files = nil
		sc.t.WatchDrain(false)
	}
	for _, fw := range done {
		fw.done()
	}
}

// releaseFiles runs the done callbacks of every file region not yet
// reported, when the connection has closed.
func (sc *serverConn) releaseFiles() {
	files, held := sc.files, sc.held
	sc.files, sc.held = nil, nil
	for _, fw := range files {
		fw.done()
	}
	for _, s := range held {
		if s.done != nil {
			s.done()
		}
	}
}
