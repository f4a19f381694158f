package http1

// EventKind says what a parser found.
type EventKind uint8

// The events of one message, in order: EventHead, zero or more EventBody,
// at most one EventTrailers, then EventEnd.
const (
	// EventNone comes with an error, including ErrNeedMore.
	EventNone EventKind = iota
	// EventHead: the start line and header section are complete; read them
	// with RequestParser.Request or ResponseParser.Response.
	EventHead
	// EventBody: Event.Data holds the next piece of the decoded body.
	EventBody
	// EventTrailers: the trailer section of a chunked body is complete and
	// holds at least one field; read it with the parser's Trailers method.
	EventTrailers
	// EventEnd: the message is complete. The next call starts the next
	// message on the connection.
	EventEnd
)

var eventNames = [...]string{"None", "Head", "Body", "Trailers", "End"}

// String returns the kind's name, such as "Head".
func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "EventKind(?)"
}

// Event is one step of parsing.
type Event struct {
	Kind EventKind
	// Data is the body piece of an EventBody. It aliases the buffer given
	// to Parse, without copying, and stays valid as long as those bytes do.
	Data []byte
}

// Framing says how the end of a message body is found (RFC 9112 §6.3).
type Framing uint8

const (
	// FramingNone: the message has no body.
	FramingNone Framing = iota
	// FramingLength: the body is Content-Length bytes long.
	FramingLength
	// FramingChunked: the body uses the chunked transfer coding.
	FramingChunked
	// FramingUntilClose: the body runs until the connection closes
	// (responses only); call ResponseParser.EOF when it does.
	FramingUntilClose
)

var framingNames = [...]string{"None", "Length", "Chunked", "UntilClose"}

// String returns the framing's name, such as "Chunked".
func (f Framing) String() string {
	if int(f) < len(framingNames) {
		return framingNames[f]
	}
	return "Framing(?)"
}
