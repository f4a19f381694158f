package beanstalk

// ReplyType is the first word of a server reply.
type ReplyType uint8

// The replies of beanstalkd 1.12. The zero ReplyType is invalid.
const (
	ReplyInserted       ReplyType = iota + 1 // INSERTED <id>
	ReplyBuried                              // BURIED <id> (put) or BURIED
	ReplyUsing                               // USING <tube>
	ReplyReserved                            // RESERVED <id> <bytes> + data
	ReplyDeadlineSoon                        // DEADLINE_SOON
	ReplyTimedOut                            // TIMED_OUT
	ReplyDeleted                             // DELETED
	ReplyReleased                            // RELEASED
	ReplyTouched                             // TOUCHED
	ReplyWatching                            // WATCHING <count>
	ReplyNotIgnored                          // NOT_IGNORED
	ReplyFound                               // FOUND <id> <bytes> + data
	ReplyKicked                              // KICKED <count> (kick) or KICKED (kick-job)
	ReplyOK                                  // OK <bytes> + YAML data
	ReplyPaused                              // PAUSED
	ReplyNotFound                            // NOT_FOUND
	ReplyOutOfMemory                         // OUT_OF_MEMORY
	ReplyInternalError                       // INTERNAL_ERROR
	ReplyBadFormat                           // BAD_FORMAT
	ReplyUnknownCommand                      // UNKNOWN_COMMAND
	ReplyExpectedCRLF                        // EXPECTED_CRLF
	ReplyJobTooBig                           // JOB_TOO_BIG
	ReplyDraining                            // DRAINING
	replyEnd
)

var replyWords = [replyEnd]string{
	ReplyInserted:       "INSERTED",
	ReplyBuried:         "BURIED",
	ReplyUsing:          "USING",
	ReplyReserved:       "RESERVED",
	ReplyDeadlineSoon:   "DEADLINE_SOON",
	ReplyTimedOut:       "TIMED_OUT",
	ReplyDeleted:        "DELETED",
	ReplyReleased:       "RELEASED",
	ReplyTouched:        "TOUCHED",
	ReplyWatching:       "WATCHING",
	ReplyNotIgnored:     "NOT_IGNORED",
	ReplyFound:          "FOUND",
	ReplyKicked:         "KICKED",
	ReplyOK:             "OK",
	ReplyPaused:         "PAUSED",
	ReplyNotFound:       "NOT_FOUND",
	ReplyOutOfMemory:    "OUT_OF_MEMORY",
	ReplyInternalError:  "INTERNAL_ERROR",
	ReplyBadFormat:      "BAD_FORMAT",
	ReplyUnknownCommand: "UNKNOWN_COMMAND",
	ReplyExpectedCRLF:   "EXPECTED_CRLF",
	ReplyJobTooBig:      "JOB_TOO_BIG",
	ReplyDraining:       "DRAINING",
}

// replyErrs maps the failure replies to their sentinels. BURIED is here for
// put and release; bury treats it as success and never looks it up.
var replyErrs = [replyEnd]error{
	ReplyBuried:         ErrBuried,
	ReplyDeadlineSoon:   ErrDeadlineSoon,
	ReplyTimedOut:       ErrTimedOut,
	ReplyNotIgnored:     ErrNotIgnored,
	ReplyNotFound:       ErrNotFound,
	ReplyOutOfMemory:    ErrOutOfMemory,
	ReplyInternalError:  ErrInternalError,
	ReplyBadFormat:      ErrBadFormat,
	ReplyUnknownCommand: ErrUnknownCommand,
	ReplyExpectedCRLF:   ErrExpectedCRLF,
	ReplyJobTooBig:      ErrJobTooBig,
	ReplyDraining:       ErrDraining,
}

// String returns the reply word as sent on the wire, such as "NOT_FOUND",
// or "ReplyType(n)" for an invalid value.
func (t ReplyType) String() string {
	if t == 0 || t >= replyEnd {
		return "ReplyType(" + itoa(uint64(t)) + ")"
	}
	return replyWords[t]
}

// Reply is one decoded server reply. Which fields are set depends on Type;
// the others are zero.
//
// Body aliases the [Decoder]'s buffer: it is valid only until the next call
// to a Decoder method. Use [Reply.CloneBody] or [Reply.Clone] to keep it.
type Reply struct {
	Type  ReplyType
	ID    uint64 // job id: INSERTED, BURIED after put, RESERVED, FOUND
	Count uint64 // WATCHING <count>, KICKED <count> after kick
	Tube  string // USING <tube>
	Body  []byte // data of RESERVED, FOUND and OK; non-nil (maybe empty) for them
}

// CloneBody returns a copy of r.Body that stays valid after the decoder
// moves on. It returns nil when r.Body is nil.
func (r Reply) CloneBody() []byte {
	if r.Body == nil {
		return nil
	}
	return append(make([]byte, 0, len(r.Body)), r.Body...)
}

// Clone returns r with its Body copied (see [Reply.CloneBody]).
func (r Reply) Clone() Reply {
	r.Body = r.CloneBody()
	return r
}
