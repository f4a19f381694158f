package resp

import "strconv"

// AppendCommand appends the command args (an array of bulk strings, the
// only form a Redis server accepts from clients) to dst and returns the
// extended slice. Appending several commands to one buffer pipelines them.
//
//	buf = resp.AppendCommand(buf, "SET", "key", "value")
func AppendCommand(dst []byte, args ...string) []byte {
	dst = appendHeader(dst, '*', int64(len(args)))
	for _, a := range args {
		dst = AppendBulkString(dst, a)
	}
	return dst
}

// AppendArgs is AppendCommand for arguments held as byte slices.
func AppendArgs(dst []byte, args [][]byte) []byte {
	dst = appendHeader(dst, '*', int64(len(args)))
	for _, a := range args {
		dst = AppendBulk(dst, a)
	}
	return dst
}

// Command builds one command from arguments of mixed types, appending it
// to a buffer without allocating (beyond growing the buffer). The methods
// add arguments and return the Command, so that calls chain; Finish writes
// the header and returns the buffer:
//
//	buf = resp.NewCommand(buf).Str("SET").Bytes(key).Str("EX").Int(10).Finish()
//
//	cmd := resp.NewCommand(buf)
//	cmd.Str("SET").Bytes(key).Bytes(val)
//	if ttl > 0 {
//		cmd.Str("PX").Int(ttl.Milliseconds())
//	}
//	buf = cmd.Finish()
//
// Integers and floats are sent as their decimal text, as Redis expects.
// The zero Command is ready to use and starts a new buffer. A Command must
// not be copied once used. A Command that does not escape (the usual case)
// lives on the stack. A Command is not safe for concurrent use.
type Command struct {
	buf   []byte
	start int // index of the header in buf
	n     int // arguments so far
}

// hdrRoom is the header space reserved by the first argument: "*N\r\n"
// for up to nine arguments. Finish moves the arguments if it needs more.
const hdrRoom = 4

// NewCommand starts a command at the end of dst. Whatever dst holds is
// kept: appending commands one after another pipelines them.
func NewCommand(dst []byte) *Command { return &Command{buf: dst, start: len(dst)} }

func (c *Command) next() {
	if c.n == 0 {
		c.start = len(c.buf)
		c.buf = append(c.buf, "*0\r\n"...)
	}
	c.n++
}

// Str appends the argument s.
func (c *Command) Str(s string) *Command {
	c.next()
	c.buf = AppendBulkString(c.buf, s)
	return c
}

// Strs appends each of ss as an argument.
func (c *Command) Strs(ss ...string) *Command {
	for _, s := range ss {
		c.Str(s)
	}
	return c
}

// Bytes appends the argument b.
func (c *Command) Bytes(b []byte) *Command {
	c.next()
	c.buf = AppendBulk(c.buf, b)
	return c
}

// Int appends the decimal text of i as an argument.
func (c *Command) Int(i int64) *Command {
	var tmp [20]byte
	return c.Bytes(strconv.AppendInt(tmp[:0], i, 10))
}

// Uint appends the decimal text of u as an argument.
func (c *Command) Uint(u uint64) *Command {
	var tmp [20]byte
	return c.Bytes(strconv.AppendUint(tmp[:0], u, 10))
}

// Float appends f as an argument, in the shortest form that parses back
// to f, and as "inf", "-inf" or "nan" for the special values (Redis
// accepts the infinities, for example as ZADD scores).
func (c *Command) Float(f float64) *Command {
	var tmp [32]byte
	return c.Bytes(appendFloat(tmp[:0], f))
}

// Len returns the number of arguments so far.
func (c *Command) Len() int { return c.n }

// Finish writes the command's header and returns the buffer: everything
// it held before the command, then the command. A command with no
// arguments writes nothing. After Finish the Command is empty again and
// appends its next argument as the start of a new command after this one,
// so that one Command can build a whole pipeline.
func (c *Command) Finish() []byte {
	if c.n == 0 {
		return c.buf
	}
	if c.n < 10 {
		c.buf[c.start+1] = byte('0' + c.n)
	} else {
		var tmp [24]byte
		hdr := appendHeader(tmp[:0], '*', int64(c.n))
		extra := len(hdr) - hdrRoom
		c.buf = append(c.buf, hdr[:extra]...)
		body := c.start + hdrRoom
		copy(c.buf[body+extra:], c.buf[body:len(c.buf)-extra])
		copy(c.buf[c.start:], hdr)
	}
	c.n = 0
	return c.buf
}
