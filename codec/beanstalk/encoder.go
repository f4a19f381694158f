package beanstalk

import "strconv"

// DefaultMaxJobSize is beanstalkd's default max-job-size (its -z flag): the
// largest job body, in bytes, that a put may carry.
const DefaultMaxJobSize = 1<<16 - 1

// Encoder appends commands to a byte slice. Each method writes exactly one
// command, with its CRLF, and returns the extended slice; it never writes
// part of a command. Methods that take a tube name or a body validate it
// first and, on a bad value, return dst unchanged with an [*ArgError].
//
// The zero Encoder is ready to use. An Encoder is a read-only value after
// set-up, so it is safe for concurrent use.
type Encoder struct {
	// MaxJobSize is the largest body AppendPut accepts, matching the
	// server's max-job-size; 0 means DefaultMaxJobSize. A driver can set
	// it from ServerStats.MaxJobSize.
	MaxJobSize int
}

func (e Encoder) maxJobSize() int {
	if e.MaxJobSize <= 0 {
		return DefaultMaxJobSize
	}
	return e.MaxJobSize
}

// AppendPut appends "put <pri> <delay> <ttr> <bytes>\r\n<body>\r\n". delay
// and ttr are in seconds; the server raises a ttr of 0 to 1. The body may
// hold any bytes, "\r\n" included. A body longer than MaxJobSize gives an
// [*ArgError] matching [ErrJobTooBig]. The reply is INSERTED <id>, or BURIED
// <id> ([ErrBuried]) when the server is out of memory.
func (e Encoder) AppendPut(dst []byte, pri, delay, ttr uint32, body []byte) ([]byte, error) {
	if len(body) > e.maxJobSize() {
		return dst, &ArgError{Kind: KindPut, Arg: "body",
			Reason: itoa(uint64(len(body))) + " bytes exceeds max job size " + itoa(uint64(e.maxJobSize())),
			Err:    ErrJobTooBig}
	}
	dst = append(dst, "put "...)
	dst = appendUint(dst, uint64(pri))
	dst = append(dst, ' ')
	dst = appendUint(dst, uint64(delay))
	dst = append(dst, ' ')
	dst = appendUint(dst, uint64(ttr))
	dst = append(dst, ' ')
	dst = appendUint(dst, uint64(len(body)))
	dst = append(dst, "\r\n"...)
	dst = append(dst, body...)
	return append(dst, "\r\n"...), nil
}

// AppendUse appends "use <tube>\r\n". The reply is USING <tube>.
func (e Encoder) AppendUse(dst []byte, tube string) ([]byte, error) {
	return appendTubeCmd(dst, KindUse, tube, false, 0)
}

// AppendReserve appends "reserve\r\n". The reply is RESERVED, or
// DEADLINE_SOON ([ErrDeadlineSoon]), or TIMED_OUT ([ErrTimedOut]) on a
// half-closed connection.
func (e Encoder) AppendReserve(dst []byte) []byte { return append(dst, "reserve\r\n"...) }

// AppendReserveWithTimeout appends "reserve-with-timeout <seconds>\r\n". A
// timeout of 0 makes the server answer at once. The reply is RESERVED,
// TIMED_OUT ([ErrTimedOut]) or DEADLINE_SOON ([ErrDeadlineSoon]).
func (e Encoder) AppendReserveWithTimeout(dst []byte, seconds uint32) []byte {
	dst = append(dst, "reserve-with-timeout "...)
	return appendUintCRLF(dst, uint64(seconds))
}

// AppendReserveJob appends "reserve-job <id>\r\n". The reply is RESERVED or
// NOT_FOUND ([ErrNotFound]).
func (e Encoder) AppendReserveJob(dst []byte, id uint64) []byte {
	return appendUintCRLF(append(dst, "reserve-job "...), id)
}

// AppendDelete appends "delete <id>\r\n". The reply is DELETED or NOT_FOUND.
func (e Encoder) AppendDelete(dst []byte, id uint64) []byte {
	return appendUintCRLF(append(dst, "delete "...), id)
}

// AppendRelease appends "release <id> <pri> <delay>\r\n". The reply is
// RELEASED, BURIED ([ErrBuried]: the server was out of memory) or NOT_FOUND.
func (e Encoder) AppendRelease(dst []byte, id uint64, pri, delay uint32) []byte {
	dst = appendUint(append(dst, "release "...), id)
	dst = appendUint(append(dst, ' '), uint64(pri))
	return appendUintCRLF(append(dst, ' '), uint64(delay))
}

// AppendBury appends "bury <id> <pri>\r\n". The reply is BURIED (success)
// or NOT_FOUND.
func (e Encoder) AppendBury(dst []byte, id uint64, pri uint32) []byte {
	dst = appendUint(append(dst, "bury "...), id)
	return appendUintCRLF(append(dst, ' '), uint64(pri))
}

// AppendTouch appends "touch <id>\r\n". The reply is TOUCHED or NOT_FOUND.
func (e Encoder) AppendTouch(dst []byte, id uint64) []byte {
	return appendUintCRLF(append(dst, "touch "...), id)
}

// AppendWatch appends "watch <tube>\r\n". The reply is WATCHING <count>.
func (e Encoder) AppendWatch(dst []byte, tube string) ([]byte, error) {
	return appendTubeCmd(dst, KindWatch, tube, false, 0)
}

// AppendIgnore appends "ignore <tube>\r\n". The reply is WATCHING <count>
// or NOT_IGNORED ([ErrNotIgnored]).
func (e Encoder) AppendIgnore(dst []byte, tube string) ([]byte, error) {
	return appendTubeCmd(dst, KindIgnore, tube, false, 0)
}

// AppendPeek appends "peek <id>\r\n". The reply is FOUND or NOT_FOUND.
func (e Encoder) AppendPeek(dst []byte, id uint64) []byte {
	return appendUintCRLF(append(dst, "peek "...), id)
}

// AppendPeekReady appends "peek-ready\r\n". The reply is FOUND or NOT_FOUND.
func (e Encoder) AppendPeekReady(dst []byte) []byte { return append(dst, "peek-ready\r\n"...) }

// AppendPeekDelayed appends "peek-delayed\r\n". The reply is FOUND or
// NOT_FOUND.
func (e Encoder) AppendPeekDelayed(dst []byte) []byte { return append(dst, "peek-delayed\r\n"...) }

// AppendPeekBuried appends "peek-buried\r\n". The reply is FOUND or
// NOT_FOUND.
func (e Encoder) AppendPeekBuried(dst []byte) []byte { return append(dst, "peek-buried\r\n"...) }

// AppendKick appends "kick <bound>\r\n". The reply is KICKED <count>.
func (e Encoder) AppendKick(dst []byte, bound uint32) []byte {
	return appendUintCRLF(append(dst, "kick "...), uint64(bound))
}

// AppendKickJob appends "kick-job <id>\r\n". The reply is KICKED or
// NOT_FOUND.
func (e Encoder) AppendKickJob(dst []byte, id uint64) []byte {
	return appendUintCRLF(append(dst, "kick-job "...), id)
}

// AppendStatsJob appends "stats-job <id>\r\n". The reply is OK with YAML
// for [ParseJobStats], or NOT_FOUND.
func (e Encoder) AppendStatsJob(dst []byte, id uint64) []byte {
	return appendUintCRLF(append(dst, "stats-job "...), id)
}

// AppendStatsTube appends "stats-tube <tube>\r\n". The reply is OK with
// YAML for [ParseTubeStats], or NOT_FOUND.
func (e Encoder) AppendStatsTube(dst []byte, tube string) ([]byte, error) {
	return appendTubeCmd(dst, KindStatsTube, tube, false, 0)
}

// AppendStats appends "stats\r\n". The reply is OK with YAML for
// [ParseServerStats].
func (e Encoder) AppendStats(dst []byte) []byte { return append(dst, "stats\r\n"...) }

// AppendListTubes appends "list-tubes\r\n". The reply is OK with a YAML
// list for [ParseTubeList].
func (e Encoder) AppendListTubes(dst []byte) []byte { return append(dst, "list-tubes\r\n"...) }

// AppendListTubeUsed appends "list-tube-used\r\n". The reply is USING
// <tube>.
func (e Encoder) AppendListTubeUsed(dst []byte) []byte { return append(dst, "list-tube-used\r\n"...) }

// AppendListTubesWatched appends "list-tubes-watched\r\n". The reply is OK
// with a YAML list for [ParseTubeList].
func (e Encoder) AppendListTubesWatched(dst []byte) []byte {
	return append(dst, "list-tubes-watched\r\n"...)
}

// AppendPauseTube appends "pause-tube <tube> <delay>\r\n": no job is
// reserved from the tube for delay seconds. The reply is PAUSED or
// NOT_FOUND.
func (e Encoder) AppendPauseTube(dst []byte, tube string, delay uint32) ([]byte, error) {
	return appendTubeCmd(dst, KindPauseTube, tube, true, uint64(delay))
}

// AppendQuit appends "quit\r\n". The server closes the connection and sends
// no reply, so a driver must not queue a reply for it.
func (e Encoder) AppendQuit(dst []byte) []byte { return append(dst, "quit\r\n"...) }

// appendTubeCmd writes "<cmd> <tube>[ <n>]\r\n" after validating the tube.
func appendTubeCmd(dst []byte, k Kind, tube string, withNum bool, n uint64) ([]byte, error) {
	if r := tubeNameProblem(tube); r != "" {
		return dst, &ArgError{Kind: k, Arg: "tube", Reason: r, Err: ErrInvalidTubeName}
	}
	dst = append(dst, kinds[k].name...)
	dst = append(dst, ' ')
	dst = append(dst, tube...)
	if withNum {
		dst = appendUint(append(dst, ' '), n)
	}
	return append(dst, "\r\n"...), nil
}

func appendUint(dst []byte, v uint64) []byte { return strconv.AppendUint(dst, v, 10) }

func appendUintCRLF(dst []byte, v uint64) []byte {
	return append(strconv.AppendUint(dst, v, 10), "\r\n"...)
}
