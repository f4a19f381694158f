package beanstalk

// Kind names a command. A driver keeps the Kind of every command it has sent
// in a queue and passes the head of that queue to [Decoder.Next], because
// the reply alone does not say what it answers (NOT_FOUND, for one, is a
// possible reply to many commands). The zero Kind is invalid.
type Kind uint8

// The commands of beanstalkd 1.12, in the order of its protocol document.
const (
	KindPut                Kind = iota + 1 // put <pri> <delay> <ttr> <bytes>
	KindUse                                // use <tube>
	KindReserve                            // reserve
	KindReserveWithTimeout                 // reserve-with-timeout <seconds>
	KindReserveJob                         // reserve-job <id>
	KindDelete                             // delete <id>
	KindRelease                            // release <id> <pri> <delay>
	KindBury                               // bury <id> <pri>
	KindTouch                              // touch <id>
	KindWatch                              // watch <tube>
	KindIgnore                             // ignore <tube>
	KindPeek                               // peek <id>
	KindPeekReady                          // peek-ready
	KindPeekDelayed                        // peek-delayed
	KindPeekBuried                         // peek-buried
	KindKick                               // kick <bound>
	KindKickJob                            // kick-job <id>
	KindStatsJob                           // stats-job <id>
	KindStatsTube                          // stats-tube <tube>
	KindStats                              // stats
	KindListTubes                          // list-tubes
	KindListTubeUsed                       // list-tube-used
	KindListTubesWatched                   // list-tubes-watched
	KindPauseTube                          // pause-tube <tube> <delay>
	KindQuit                               // quit
	kindEnd
)

// replySet is a bit set of ReplyType values.
type replySet uint32

func setOf(ts ...ReplyType) replySet {
	var s replySet
	for _, t := range ts {
		s |= 1 << t
	}
	return s
}

func (s replySet) has(t ReplyType) bool { return s&(1<<t) != 0 }

// kindInfo describes one command: its wire name, the replies that mean
// success (ok) and the replies that mean a command-specific failure (fail).
// The generic error replies are accepted for every command on top of these.
type kindInfo struct {
	name     string
	ok, fail replySet
}

var kinds = [kindEnd]kindInfo{
	KindPut:                {"put", setOf(ReplyInserted), setOf(ReplyBuried)},
	KindUse:                {"use", setOf(ReplyUsing), 0},
	KindReserve:            {"reserve", setOf(ReplyReserved), setOf(ReplyDeadlineSoon, ReplyTimedOut)},
	KindReserveWithTimeout: {"reserve-with-timeout", setOf(ReplyReserved), setOf(ReplyDeadlineSoon, ReplyTimedOut)},
	KindReserveJob:         {"reserve-job", setOf(ReplyReserved), setOf(ReplyNotFound)},
	KindDelete:             {"delete", setOf(ReplyDeleted), setOf(ReplyNotFound)},
	KindRelease:            {"release", setOf(ReplyReleased), setOf(ReplyBuried, ReplyNotFound)},
	KindBury:               {"bury", setOf(ReplyBuried), setOf(ReplyNotFound)},
	KindTouch:              {"touch", setOf(ReplyTouched), setOf(ReplyNotFound)},
	KindWatch:              {"watch", setOf(ReplyWatching), 0},
	KindIgnore:             {"ignore", setOf(ReplyWatching), setOf(ReplyNotIgnored)},
	KindPeek:               {"peek", setOf(ReplyFound), setOf(ReplyNotFound)},
	KindPeekReady:          {"peek-ready", setOf(ReplyFound), setOf(ReplyNotFound)},
	KindPeekDelayed:        {"peek-delayed", setOf(ReplyFound), setOf(ReplyNotFound)},
	KindPeekBuried:         {"peek-buried", setOf(ReplyFound), setOf(ReplyNotFound)},
	KindKick:               {"kick", setOf(ReplyKicked), 0},
	KindKickJob:            {"kick-job", setOf(ReplyKicked), setOf(ReplyNotFound)},
	KindStatsJob:           {"stats-job", setOf(ReplyOK), setOf(ReplyNotFound)},
	KindStatsTube:          {"stats-tube", setOf(ReplyOK), setOf(ReplyNotFound)},
	KindStats:              {"stats", setOf(ReplyOK), 0},
	KindListTubes:          {"list-tubes", setOf(ReplyOK), 0},
	KindListTubeUsed:       {"list-tube-used", setOf(ReplyUsing), 0},
	KindListTubesWatched:   {"list-tubes-watched", setOf(ReplyOK), 0},
	KindPauseTube:          {"pause-tube", setOf(ReplyPaused), setOf(ReplyNotFound)},
	KindQuit:               {"quit", 0, 0},
}

// genericErrors are the error replies accepted after any command. The
// protocol document lists DRAINING, JOB_TOO_BIG and EXPECTED_CRLF under put
// and the others for all commands; all of them are single lines, so
// accepting them anywhere cannot put the stream out of step.
var genericErrors = setOf(ReplyOutOfMemory, ReplyInternalError, ReplyBadFormat,
	ReplyUnknownCommand, ReplyExpectedCRLF, ReplyJobTooBig, ReplyDraining)

// Valid reports whether k is one of the declared Kind constants.
func (k Kind) Valid() bool { return k > 0 && k < kindEnd }

// String returns the command's wire name, such as "reserve-with-timeout",
// or "Kind(n)" for an invalid Kind.
func (k Kind) String() string {
	if !k.Valid() {
		return "Kind(" + itoa(uint64(k)) + ")"
	}
	return kinds[k].name
}

// HasReply reports whether the server answers the command. Only quit has no
// reply (the server closes the connection); a driver must not queue it.
func (k Kind) HasReply() bool { return k.Valid() && k != KindQuit }

// Expects reports whether t is a reply the command can receive, either as
// success or as a command-specific failure. The generic error replies
// (OUT_OF_MEMORY, INTERNAL_ERROR, BAD_FORMAT, UNKNOWN_COMMAND,
// EXPECTED_CRLF, JOB_TOO_BIG, DRAINING) are possible after any command and
// are not included.
func (k Kind) Expects(t ReplyType) bool {
	if !k.Valid() {
		return false
	}
	return (kinds[k].ok | kinds[k].fail).has(t)
}

// Succeeds reports whether reply t means success for the command: BURIED
// does for bury but not for put or release.
func (k Kind) Succeeds(t ReplyType) bool {
	return k.Valid() && kinds[k].ok.has(t)
}

func itoa(v uint64) string {
	var b [20]byte
	return string(appendUint(b[:0], v))
}
