package beanstalk

import (
	"bytes"
	"io"
	"strconv"
)

// MaxReplyLineLen is the longest reply line the decoder accepts, CRLF
// included. The longest line beanstalkd sends is USING with a 200-byte tube
// name (208 bytes); a server that sends more without a line end gets a
// [*ProtocolError] matching [ErrLineTooLong].
const MaxReplyLineLen = 256

// DefaultMaxBodySize is the data block limit of a zero [Decoder]: 1 MiB,
// enough for beanstalkd's default job size limit and for stats and tube
// lists of a busy server.
const DefaultMaxBodySize = 1 << 20

// shrinkCap is the buffer capacity above which an emptied buffer is
// released instead of kept for reuse.
const shrinkCap = 64 << 10

// Decoder turns the bytes a beanstalkd server sends into replies, without
// doing any I/O. Feed it bytes as they arrive, split anywhere, and call
// [Decoder.Next] with the Kind of the oldest command still waiting for its
// reply. The server answers in order, so a driver that pipelines keeps a
// FIFO of the Kinds it sent and pops one each time Next returns something
// other than [ErrNeedMore]:
//
//	d.Feed(p)
//	for len(queue) > 0 {
//		r, err := d.Next(queue[0])
//		if errors.Is(err, beanstalk.ErrNeedMore) {
//			break // read more
//		}
//		var pe *beanstalk.ProtocolError
//		if errors.As(err, &pe) {
//			// drop the connection and fail every queued command
//		}
//		queue = queue[1:]
//		// deliver r and err (a *ReplyError such as ErrNotFound) to the caller
//	}
//
// The zero Decoder is ready to use. A Decoder is not safe for concurrent
// use: one goroutine (a driver's loop) owns it.
type Decoder struct {
	// MaxBodySize bounds the data block of RESERVED, FOUND and OK replies,
	// in bytes; 0 means DefaultMaxBodySize. A reply announcing more is a
	// [*ProtocolError] matching [ErrBodyTooLarge], reported before any of
	// the block is buffered, so a hostile server cannot make the decoder
	// allocate beyond this bound (plus what the driver feeds).
	MaxBodySize int

	buf []byte // buffered input; buf[r:] is not yet decoded
	r   int
	eof bool  // FeedEOF was called
	err error // sticky protocol error
}

// Feed appends p to the decoder's buffer. The decoder copies p, so the
// caller may reuse it. Feed invalidates the Body of replies returned
// earlier.
func (d *Decoder) Feed(p []byte) {
	d.compact()
	d.buf = append(d.buf, p...)
}

// FeedEOF tells the decoder that the server closed the connection and no
// more bytes will come. After it, Next returns io.EOF once the buffer is
// empty, and a [*ProtocolError] wrapping io.ErrUnexpectedEOF when the
// buffer ends inside a reply.
func (d *Decoder) FeedEOF() { d.eof = true }

// Buffered returns the number of bytes fed but not yet decoded.
func (d *Decoder) Buffered() int { return len(d.buf) - d.r }

// Reset empties the decoder and clears its error and EOF state, keeping
// MaxBodySize, so it can serve a new connection.
func (d *Decoder) Reset() {
	buf := d.buf[:0]
	if cap(buf) > shrinkCap {
		buf = nil
	}
	*d = Decoder{MaxBodySize: d.MaxBodySize, buf: buf}
}

func (d *Decoder) compact() {
	if d.r == 0 {
		return
	}
	if d.r == len(d.buf) {
		d.buf = d.buf[:0]
		if cap(d.buf) > shrinkCap {
			d.buf = nil
		}
	} else {
		n := copy(d.buf, d.buf[d.r:])
		d.buf = d.buf[:n]
	}
	d.r = 0
}

func (d *Decoder) maxBody() uint64 {
	if d.MaxBodySize <= 0 {
		return DefaultMaxBodySize
	}
	return uint64(d.MaxBodySize)
}

// Next decodes the reply to a command of kind k from the buffered bytes.
//
// It returns:
//   - the reply and nil when the command succeeded;
//   - the reply and a [*ReplyError] when the server reports a failure
//     (test the error with errors.Is against ErrNotFound, ErrTimedOut,
//     ErrBuried, ...); the reply's Type, and ID for BURIED after put, are
//     set;
//   - ErrNeedMore when the buffer does not hold the whole reply yet; nothing
//     is consumed;
//   - a [*ProtocolError] for a malformed reply, one k cannot receive, or a
//     data block over MaxBodySize; the decoder then refuses all further
//     input and the connection must be dropped;
//   - io.EOF after FeedEOF once the buffer is empty;
//   - ErrNoReply for KindQuit and ErrInvalidKind for an invalid k, without
//     consuming anything.
//
// The reply's Body points into the decoder's buffer and stays valid only
// until the next call to a Decoder method; copy it with [Reply.CloneBody]
// to keep it.
func (d *Decoder) Next(k Kind) (Reply, error) {
	if d.err != nil {
		return Reply{}, d.err
	}
	if !k.Valid() {
		return Reply{}, ErrInvalidKind
	}
	if k == KindQuit {
		return Reply{}, ErrNoReply
	}
	data := d.buf[d.r:]
	if len(data) == 0 {
		if d.eof {
			return Reply{}, io.EOF
		}
		return Reply{}, ErrNeedMore
	}
	i := bytes.IndexByte(data[:min(len(data), MaxReplyLineLen)], '\n')
	if i < 0 {
		switch {
		case len(data) >= MaxReplyLineLen:
			return Reply{}, d.fail(k, data[:MaxReplyLineLen], ErrLineTooLong)
		case d.eof:
			return Reply{}, d.fail(k, data, io.ErrUnexpectedEOF)
		}
		return Reply{}, ErrNeedMore
	}
	if i == 0 || data[i-1] != '\r' {
		return Reply{}, d.fail(k, data[:i+1], ErrMalformedReply)
	}
	line := data[:i-1]
	rep, size, hasBody, perr := parseLine(k, line)
	if perr != nil {
		return Reply{}, d.fail(k, line, perr)
	}
	n := i + 1
	if hasBody {
		if size > d.maxBody() {
			return Reply{}, d.fail(k, line, ErrBodyTooLarge)
		}
		if uint64(len(data)-n) < size+2 {
			if d.eof {
				return Reply{}, d.fail(k, line, io.ErrUnexpectedEOF)
			}
			return Reply{}, ErrNeedMore
		}
		end := n + int(size)
		if data[end] != '\r' || data[end+1] != '\n' {
			return Reply{}, d.fail(k, line, ErrMalformedReply)
		}
		rep.Body = data[n:end:end]
		n = end + 2
	}
	d.r += n
	if !kinds[k].ok.has(rep.Type) {
		return rep, &ReplyError{Kind: k, Type: rep.Type, ID: rep.ID, Err: replyErrs[rep.Type]}
	}
	return rep, nil
}

func (d *Decoder) fail(k Kind, line []byte, cause error) error {
	if len(line) > 64 {
		line = line[:64]
	}
	d.err = &ProtocolError{Kind: k, Line: strconv.Quote(string(line)), Err: cause}
	return d.err
}

// parseLine parses a reply line (without CRLF) for a command of kind k. It
// returns the reply and, for replies with a data block, the block's size.
func parseLine(k Kind, line []byte) (rep Reply, size uint64, hasBody bool, err error) {
	word, args, _ := bytes.Cut(line, []byte{' '})
	t := lookupReply(word)
	if t == 0 {
		return rep, 0, false, ErrMalformedReply
	}
	if !(kinds[k].ok | kinds[k].fail | genericErrors).has(t) {
		return rep, 0, false, ErrUnexpectedReply
	}
	rep.Type = t
	ok := true
	switch {
	case t == ReplyInserted, t == ReplyBuried && k == KindPut:
		rep.ID, ok = parseUint(args)
	case t == ReplyWatching, t == ReplyKicked && k == KindKick:
		rep.Count, ok = parseUint(args)
	case t == ReplyUsing:
		ok = validTubeBytes(args)
		if ok {
			rep.Tube = string(args)
		}
	case t == ReplyReserved, t == ReplyFound:
		id, sz, _ := bytes.Cut(args, []byte{' '})
		rep.ID, ok = parseUint(id)
		if ok {
			size, ok = parseUint(sz)
		}
		hasBody = true
	case t == ReplyOK:
		size, ok = parseUint(args)
		hasBody = true
	default:
		// A bare word: the whole line must be just the word.
		ok = len(word) == len(line)
	}
	if !ok {
		return Reply{}, 0, false, ErrMalformedReply
	}
	return rep, size, hasBody, nil
}

func lookupReply(word []byte) ReplyType {
	switch string(word) {
	case "INSERTED":
		return ReplyInserted
	case "BURIED":
		return ReplyBuried
	case "USING":
		return ReplyUsing
	case "RESERVED":
		return ReplyReserved
	case "DEADLINE_SOON":
		return ReplyDeadlineSoon
	case "TIMED_OUT":
		return ReplyTimedOut
	case "DELETED":
		return ReplyDeleted
	case "RELEASED":
		return ReplyReleased
	case "TOUCHED":
		return ReplyTouched
	case "WATCHING":
		return ReplyWatching
	case "NOT_IGNORED":
		return ReplyNotIgnored
	case "FOUND":
		return ReplyFound
	case "KICKED":
		return ReplyKicked
	case "OK":
		return ReplyOK
	case "PAUSED":
		return ReplyPaused
	case "NOT_FOUND":
		return ReplyNotFound
	case "OUT_OF_MEMORY":
		return ReplyOutOfMemory
	case "INTERNAL_ERROR":
		return ReplyInternalError
	case "BAD_FORMAT":
		return ReplyBadFormat
	case "UNKNOWN_COMMAND":
		return ReplyUnknownCommand
	case "EXPECTED_CRLF":
		return ReplyExpectedCRLF
	case "JOB_TOO_BIG":
		return ReplyJobTooBig
	case "DRAINING":
		return ReplyDraining
	}
	return 0
}

// parseUint parses a non-empty run of decimal digits that fits in uint64.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}
