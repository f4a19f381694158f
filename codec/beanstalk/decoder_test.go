package beanstalk

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// decCase is one reply decoded for one command kind.
type decCase struct {
	name  string
	kind  Kind
	in    string
	want  Reply // Body compared as a string; nil Body means "no body"
	err   error // sentinel of a *ReplyError, or nil for success
	cause error // cause of a *ProtocolError; err is then unused
}

// sampleReply returns a well-formed wire line for reply type r as kind k
// would receive it, and the Reply it decodes to.
func sampleReply(k Kind, r ReplyType) (string, Reply) {
	switch r {
	case ReplyInserted:
		return "INSERTED 42\r\n", Reply{Type: r, ID: 42}
	case ReplyBuried:
		if k == KindPut {
			return "BURIED 43\r\n", Reply{Type: r, ID: 43}
		}
		return "BURIED\r\n", Reply{Type: r}
	case ReplyUsing:
		return "USING my_tube\r\n", Reply{Type: r, Tube: "my_tube"}
	case ReplyReserved:
		return "RESERVED 7 5\r\nhello\r\n", Reply{Type: r, ID: 7, Body: []byte("hello")}
	case ReplyFound:
		return "FOUND 8 4\r\n\r\n\r\n\r\n", Reply{Type: r, ID: 8, Body: []byte("\r\n\r\n")}
	case ReplyWatching:
		return "WATCHING 3\r\n", Reply{Type: r, Count: 3}
	case ReplyKicked:
		if k == KindKick {
			return "KICKED 12\r\n", Reply{Type: r, Count: 12}
		}
		return "KICKED\r\n", Reply{Type: r}
	case ReplyOK:
		return "OK 24\r\n---\n- default\n- my_tube\n\r\n", Reply{Type: r, Body: []byte("---\n- default\n- my_tube\n")}
	}
	return r.String() + "\r\n", Reply{Type: r}
}

// allReplyCases crosses every command kind with every reply type: the ones
// the kind can receive decode (as success or *ReplyError), the others are
// protocol errors.
func allReplyCases() []decCase {
	var cs []decCase
	for k := Kind(1); k < kindEnd; k++ {
		if !k.HasReply() {
			continue
		}
		for r := ReplyType(1); r < replyEnd; r++ {
			in, want := sampleReply(k, r)
			c := decCase{name: k.String() + "/" + r.String(), kind: k, in: in, want: want}
			switch {
			case k.Succeeds(r):
			case k.Expects(r) || genericErrors.has(r):
				c.err = replyErrs[r]
			default:
				c.cause = ErrUnexpectedReply
			}
			cs = append(cs, c)
		}
	}
	return cs
}

// extraCases are hand-written replies: edge cases of bodies and numbers,
// and malformed lines.
var extraCases = []decCase{
	{name: "reserved empty body", kind: KindReserve, in: "RESERVED 2 0\r\n\r\n", want: Reply{Type: ReplyReserved, ID: 2, Body: []byte{}}},
	{name: "reserved crlf body", kind: KindReserveWithTimeout, in: "RESERVED 1 5\r\nhe\r\nl\r\n", want: Reply{Type: ReplyReserved, ID: 1, Body: []byte("he\r\nl")}},
	{name: "reserve-job reserved", kind: KindReserveJob, in: "RESERVED 9 3\r\nabc\r\n", want: Reply{Type: ReplyReserved, ID: 9, Body: []byte("abc")}},
	{name: "found binary body", kind: KindPeekReady, in: "FOUND 1 4\r\n\x00\xff\r\x00\r\n", want: Reply{Type: ReplyFound, ID: 1, Body: []byte("\x00\xff\r\x00")}},
	{name: "max id", kind: KindPut, in: "INSERTED 18446744073709551615\r\n", want: Reply{Type: ReplyInserted, ID: 1<<64 - 1}},
	{name: "id zero", kind: KindPut, in: "INSERTED 0\r\n", want: Reply{Type: ReplyInserted}},
	{name: "leading zeros", kind: KindWatch, in: "WATCHING 007\r\n", want: Reply{Type: ReplyWatching, Count: 7}},
	{name: "kick zero", kind: KindKick, in: "KICKED 0\r\n", want: Reply{Type: ReplyKicked}},
	{name: "ok stats", kind: KindStats, in: "OK 4\r\n---\n\r\n", want: Reply{Type: ReplyOK, Body: []byte("---\n")}},
	{name: "ok empty", kind: KindStatsJob, in: "OK 0\r\n\r\n", want: Reply{Type: ReplyOK, Body: []byte{}}},
	{name: "using 200", kind: KindListTubeUsed, in: "USING " + strings.Repeat("u", 200) + "\r\n", want: Reply{Type: ReplyUsing, Tube: strings.Repeat("u", 200)}},
	{name: "put buried id", kind: KindPut, in: "BURIED 5\r\n", want: Reply{Type: ReplyBuried, ID: 5}, err: ErrBuried},

	{name: "id overflow", kind: KindPut, in: "INSERTED 18446744073709551616\r\n", cause: ErrMalformedReply},
	{name: "id 21 digits", kind: KindPut, in: "INSERTED 000000000000000000001\r\n", cause: ErrMalformedReply},
	{name: "non-numeric id", kind: KindPut, in: "INSERTED abc\r\n", cause: ErrMalformedReply},
	{name: "negative id", kind: KindPut, in: "INSERTED -1\r\n", cause: ErrMalformedReply},
	{name: "plus id", kind: KindPut, in: "INSERTED +1\r\n", cause: ErrMalformedReply},
	{name: "missing id", kind: KindPut, in: "INSERTED\r\n", cause: ErrMalformedReply},
	{name: "empty id", kind: KindPut, in: "INSERTED \r\n", cause: ErrMalformedReply},
	{name: "trailing garbage id", kind: KindPut, in: "INSERTED 1 x\r\n", cause: ErrMalformedReply},
	{name: "trailing space", kind: KindPut, in: "INSERTED 1 \r\n", cause: ErrMalformedReply},
	{name: "double space", kind: KindPut, in: "INSERTED  1\r\n", cause: ErrMalformedReply},
	{name: "bare word with arg", kind: KindDelete, in: "DELETED 1\r\n", cause: ErrMalformedReply},
	{name: "bare word trailing space", kind: KindDelete, in: "DELETED \r\n", cause: ErrMalformedReply},
	{name: "error with arg", kind: KindDelete, in: "NOT_FOUND x\r\n", cause: ErrMalformedReply},
	{name: "lower case", kind: KindDelete, in: "deleted\r\n", cause: ErrMalformedReply},
	{name: "unknown word", kind: KindDelete, in: "GONE\r\n", cause: ErrMalformedReply},
	{name: "empty line", kind: KindDelete, in: "\r\n", cause: ErrMalformedReply},
	{name: "bare LF", kind: KindDelete, in: "DELETED\n", cause: ErrMalformedReply},
	{name: "lone LF", kind: KindDelete, in: "\n", cause: ErrMalformedReply},
	{name: "CR inside", kind: KindDelete, in: "DELE\rTED\r\n", cause: ErrMalformedReply},
	{name: "bury with id", kind: KindBury, in: "BURIED 5\r\n", cause: ErrMalformedReply},
	{name: "release with id", kind: KindRelease, in: "BURIED 5\r\n", cause: ErrMalformedReply},
	{name: "put buried no id", kind: KindPut, in: "BURIED\r\n", cause: ErrMalformedReply},
	{name: "kick no count", kind: KindKick, in: "KICKED\r\n", cause: ErrMalformedReply},
	{name: "kick-job with count", kind: KindKickJob, in: "KICKED 1\r\n", cause: ErrMalformedReply},
	{name: "using empty", kind: KindUse, in: "USING \r\n", cause: ErrMalformedReply},
	{name: "using none", kind: KindUse, in: "USING\r\n", cause: ErrMalformedReply},
	{name: "using bad name", kind: KindUse, in: "USING a*b\r\n", cause: ErrMalformedReply},
	{name: "using two names", kind: KindUse, in: "USING a b\r\n", cause: ErrMalformedReply},
	{name: "using hyphen", kind: KindUse, in: "USING -a\r\n", cause: ErrMalformedReply},
	{name: "using 201", kind: KindUse, in: "USING " + strings.Repeat("u", 201) + "\r\n", cause: ErrMalformedReply},
	{name: "reserved one field", kind: KindReserve, in: "RESERVED 1\r\nx\r\n", cause: ErrMalformedReply},
	{name: "reserved three fields", kind: KindReserve, in: "RESERVED 1 1 1\r\nx\r\n", cause: ErrMalformedReply},
	{name: "reserved bad size", kind: KindReserve, in: "RESERVED 1 x\r\nx\r\n", cause: ErrMalformedReply},
	{name: "reserved bad id", kind: KindReserve, in: "RESERVED x 1\r\nx\r\n", cause: ErrMalformedReply},
	{name: "body without CRLF", kind: KindReserve, in: "RESERVED 1 3\r\nabcde", cause: ErrMalformedReply},
	{name: "body longer than size", kind: KindReserve, in: "RESERVED 1 3\r\nabcd\r\n", cause: ErrMalformedReply},
	{name: "body LF only", kind: KindPeek, in: "FOUND 1 3\r\nabc\n\r", cause: ErrMalformedReply},
	{name: "ok bad size", kind: KindStats, in: "OK -4\r\n", cause: ErrMalformedReply},
	{name: "ok two fields", kind: KindStats, in: "OK 1 1\r\n", cause: ErrMalformedReply},
	{name: "oversize body", kind: KindReserve, in: "RESERVED 1 1048577\r\n", cause: ErrBodyTooLarge},
	{name: "huge body", kind: KindStats, in: "OK 18446744073709551615\r\n", cause: ErrBodyTooLarge},
	{name: "line too long", kind: KindDelete, in: strings.Repeat("A", MaxReplyLineLen), cause: ErrLineTooLong},
	{name: "line too long with LF after", kind: KindUse, in: "USING " + strings.Repeat("a", MaxReplyLineLen) + "\r\n", cause: ErrLineTooLong},
}

func checkReply(t *testing.T, c decCase, got Reply, err error) {
	t.Helper()
	if c.cause != nil {
		var pe *ProtocolError
		if !errors.As(err, &pe) || !errors.Is(err, ErrProtocol) || !errors.Is(err, c.cause) {
			t.Fatalf("%s: err = %v, want *ProtocolError with %v", c.name, err, c.cause)
		}
		if pe.Kind != c.kind || err.Error() == "" {
			t.Fatalf("%s: ProtocolError %#v", c.name, pe)
		}
		return
	}
	if c.err == nil && err != nil {
		t.Fatalf("%s: unexpected error %v", c.name, err)
	}
	if c.err != nil {
		var re *ReplyError
		if !errors.As(err, &re) || !errors.Is(err, c.err) {
			t.Fatalf("%s: err = %v, want *ReplyError with %v", c.name, err, c.err)
		}
		if re.Kind != c.kind || re.Type != c.want.Type || re.ID != c.want.ID {
			t.Fatalf("%s: ReplyError = %+v", c.name, re)
		}
		if errors.Is(err, ErrProtocol) {
			t.Fatalf("%s: reply error matches ErrProtocol", c.name)
		}
	}
	if got.Type != c.want.Type || got.ID != c.want.ID || got.Count != c.want.Count || got.Tube != c.want.Tube {
		t.Fatalf("%s: got %+v, want %+v", c.name, got, c.want)
	}
	if (got.Body == nil) != (c.want.Body == nil) || string(got.Body) != string(c.want.Body) {
		t.Fatalf("%s: body %q (nil %v), want %q (nil %v)", c.name, got.Body, got.Body == nil, c.want.Body, c.want.Body == nil)
	}
}

func decodeCases() []decCase { return append(allReplyCases(), extraCases...) }

func TestDecoderReplies(t *testing.T) {
	for _, c := range decodeCases() {
		var d Decoder
		d.Feed([]byte(c.in))
		got, err := d.Next(c.kind)
		checkReply(t, c, got, err)
		if c.cause == nil {
			if d.Buffered() != 0 {
				t.Fatalf("%s: %d bytes left", c.name, d.Buffered())
			}
			if _, err := d.Next(c.kind); err != ErrNeedMore {
				t.Fatalf("%s: after the reply err = %v, want ErrNeedMore", c.name, err)
			}
			continue
		}
		// A protocol error is sticky.
		d.Feed([]byte("DELETED\r\n"))
		if _, err2 := d.Next(KindDelete); err2 != err {
			t.Fatalf("%s: second Next = %v, want sticky %v", c.name, err2, err)
		}
	}
}

func TestDecoderErrorRepliesInEveryContext(t *testing.T) {
	// Spot-check the generated table: each generic error after each command.
	generic := map[string]error{
		"OUT_OF_MEMORY": ErrOutOfMemory, "INTERNAL_ERROR": ErrInternalError,
		"BAD_FORMAT": ErrBadFormat, "UNKNOWN_COMMAND": ErrUnknownCommand,
		"EXPECTED_CRLF": ErrExpectedCRLF, "JOB_TOO_BIG": ErrJobTooBig, "DRAINING": ErrDraining,
	}
	n := 0
	for k := KindPut; k < KindQuit; k++ {
		for word, sentinel := range generic {
			var d Decoder
			d.Feed([]byte(word + "\r\n"))
			_, err := d.Next(k)
			if !errors.Is(err, sentinel) {
				t.Errorf("%s after %s: %v", word, k, err)
			}
			if !strings.Contains(err.Error(), word) || !strings.Contains(err.Error(), k.String()) {
				t.Errorf("%s after %s: error text %q", word, k, err)
			}
			n++
		}
	}
	if n != 24*7 {
		t.Fatalf("checked %d combinations", n)
	}
	// Command-specific failures.
	specific := []struct {
		k    Kind
		line string
		err  error
	}{
		{KindReserve, "DEADLINE_SOON", ErrDeadlineSoon},
		{KindReserve, "TIMED_OUT", ErrTimedOut},
		{KindReserveWithTimeout, "DEADLINE_SOON", ErrDeadlineSoon},
		{KindReserveWithTimeout, "TIMED_OUT", ErrTimedOut},
		{KindRelease, "BURIED", ErrBuried},
		{KindPut, "BURIED 1", ErrBuried},
		{KindIgnore, "NOT_IGNORED", ErrNotIgnored},
	}
	for _, s := range specific {
		var d Decoder
		d.Feed([]byte(s.line + "\r\n"))
		if _, err := d.Next(s.k); !errors.Is(err, s.err) {
			t.Errorf("%s after %s: %v", s.line, s.k, err)
		}
	}
	for _, k := range []Kind{KindReserveJob, KindDelete, KindRelease, KindBury, KindTouch,
		KindPeek, KindPeekReady, KindPeekDelayed, KindPeekBuried, KindKickJob,
		KindStatsJob, KindStatsTube, KindPauseTube} {
		var d Decoder
		d.Feed([]byte("NOT_FOUND\r\n"))
		if r, err := d.Next(k); !errors.Is(err, ErrNotFound) || r.Type != ReplyNotFound {
			t.Errorf("NOT_FOUND after %s: %v", k, err)
		}
	}
	for _, k := range []Kind{KindPut, KindUse, KindReserve, KindWatch, KindKick, KindStats, KindListTubes, KindListTubeUsed, KindListTubesWatched} {
		var d Decoder
		d.Feed([]byte("NOT_FOUND\r\n"))
		if _, err := d.Next(k); !errors.Is(err, ErrUnexpectedReply) {
			t.Errorf("NOT_FOUND after %s: %v, want ErrUnexpectedReply", k, err)
		}
	}
}

func TestDecoderBuriedSuccessForBury(t *testing.T) {
	var d Decoder
	d.Feed([]byte("BURIED\r\n"))
	r, err := d.Next(KindBury)
	if err != nil || r.Type != ReplyBuried {
		t.Fatalf("bury: %+v, %v", r, err)
	}
}

func TestDecoderPutBuriedCarriesID(t *testing.T) {
	var d Decoder
	d.Feed([]byte("BURIED 99\r\n"))
	r, err := d.Next(KindPut)
	var re *ReplyError
	if !errors.As(err, &re) || re.ID != 99 || r.ID != 99 || !errors.Is(err, ErrBuried) {
		t.Fatalf("got %+v, %v", r, err)
	}
	if !strings.Contains(err.Error(), "99") {
		t.Fatalf("error text %q lacks the id", err)
	}
}

func TestDecoderPipeline(t *testing.T) {
	kinds := []Kind{KindUse, KindPut, KindWatch, KindReserveWithTimeout, KindStatsJob, KindDelete, KindReserveWithTimeout, KindIgnore}
	stream := "USING t\r\nINSERTED 1\r\nWATCHING 2\r\nRESERVED 1 3\r\na\r\n\r\n" +
		"OK 9\r\n---\nid: 1\r\nNOT_FOUND\r\nTIMED_OUT\r\nNOT_IGNORED\r\n"
	var d Decoder
	d.Feed([]byte(stream))
	var got []string
	for _, k := range kinds {
		r, err := d.Next(k)
		got = append(got, fmt.Sprintf("%s:%d:%d:%s:%q:%v", r.Type, r.ID, r.Count, r.Tube, r.Body, err))
	}
	want := []string{
		`USING:0:0:t:"":<nil>`,
		`INSERTED:1:0::"":<nil>`,
		`WATCHING:0:2::"":<nil>`,
		`RESERVED:1:0::"a\r\n":<nil>`,
		`OK:0:0::"---\nid: 1":<nil>`,
		`NOT_FOUND:0:0::"":beanstalk: delete: NOT_FOUND`,
		`TIMED_OUT:0:0::"":beanstalk: reserve-with-timeout: TIMED_OUT`,
		`NOT_IGNORED:0:0::"":beanstalk: ignore: NOT_IGNORED`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDecoderNeedMoreConsumesNothing(t *testing.T) {
	var d Decoder
	d.Feed([]byte("RESERVED 1 10\r\n01234"))
	for range 3 {
		if _, err := d.Next(KindReserve); err != ErrNeedMore {
			t.Fatalf("err = %v, want ErrNeedMore", err)
		}
	}
	if d.Buffered() != 20 {
		t.Fatalf("Buffered = %d", d.Buffered())
	}
	d.Feed([]byte("56789\r\n"))
	r, err := d.Next(KindReserve)
	if err != nil || string(r.Body) != "0123456789" {
		t.Fatalf("%+v, %v", r, err)
	}
}

func TestDecoderBodyLimit(t *testing.T) {
	d := Decoder{MaxBodySize: 4}
	d.Feed([]byte("RESERVED 1 4\r\nabcd\r\n"))
	if _, err := d.Next(KindReserve); err != nil {
		t.Fatalf("4-byte body with limit 4: %v", err)
	}
	d.Feed([]byte("RESERVED 2 5\r\n"))
	_, err := d.Next(KindReserve)
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("5-byte body with limit 4: %v", err)
	}
	// The limit is applied from the header alone: no body bytes needed.
	var d2 Decoder
	d2.Feed([]byte(fmt.Sprintf("OK %d\r\n", DefaultMaxBodySize+1)))
	if _, err := d2.Next(KindStats); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("default limit: %v", err)
	}
	var d3 Decoder
	d3.Feed([]byte(fmt.Sprintf("OK %d\r\n", DefaultMaxBodySize)))
	if _, err := d3.Next(KindStats); err != ErrNeedMore {
		t.Fatalf("at the default limit: %v", err)
	}
}

func TestDecoderEOF(t *testing.T) {
	var d Decoder
	d.FeedEOF()
	if _, err := d.Next(KindReserve); err != io.EOF {
		t.Fatalf("empty at EOF: %v", err)
	}
	for _, partial := range []string{"RESERVED 1 3\r\nab", "RESERVED 1 3\r\n", "RESER", "RESERVED 1 3\r\nabc\r"} {
		var d Decoder
		d.Feed([]byte(partial))
		if _, err := d.Next(KindReserve); err != ErrNeedMore {
			t.Fatalf("%q before EOF: %v", partial, err)
		}
		d.FeedEOF()
		_, err := d.Next(KindReserve)
		if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, ErrProtocol) {
			t.Fatalf("%q at EOF: %v", partial, err)
		}
	}
	// A whole reply before EOF still decodes, then io.EOF.
	d = Decoder{}
	d.Feed([]byte("DELETED\r\n"))
	d.FeedEOF()
	if _, err := d.Next(KindDelete); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(KindDelete); err != io.EOF {
		t.Fatalf("after last reply: %v", err)
	}
}

func TestDecoderBadKinds(t *testing.T) {
	var d Decoder
	d.Feed([]byte("DELETED\r\n"))
	if _, err := d.Next(KindQuit); err != ErrNoReply {
		t.Fatalf("quit: %v", err)
	}
	for _, k := range []Kind{0, kindEnd, 200} {
		if _, err := d.Next(k); err != ErrInvalidKind {
			t.Fatalf("kind %d: %v", k, err)
		}
	}
	if d.Buffered() != 9 {
		t.Fatal("bad kinds consumed input")
	}
	if _, err := d.Next(KindDelete); err != nil {
		t.Fatal(err)
	}
}

func TestDecoderReset(t *testing.T) {
	d := Decoder{MaxBodySize: 10}
	d.Feed([]byte("garbage\r\n"))
	if _, err := d.Next(KindDelete); !errors.Is(err, ErrProtocol) {
		t.Fatal(err)
	}
	d.FeedEOF()
	d.Reset()
	if d.MaxBodySize != 10 || d.Buffered() != 0 {
		t.Fatalf("Reset: %+v", d)
	}
	d.Feed([]byte("DELETED\r\n"))
	if _, err := d.Next(KindDelete); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
}

func TestDecoderReleasesLargeBuffer(t *testing.T) {
	var d Decoder
	body := strings.Repeat("x", 200<<10)
	d.Feed([]byte(fmt.Sprintf("RESERVED 1 %d\r\n%s\r\n", len(body), body)))
	r, err := d.Next(KindReserve)
	if err != nil || len(r.Body) != len(body) {
		t.Fatal(err)
	}
	d.Feed([]byte("DELETED\r\n"))
	if cap(d.buf) > shrinkCap {
		t.Fatalf("buffer of %d bytes kept after the large reply", cap(d.buf))
	}
}

func TestReplyClone(t *testing.T) {
	var d Decoder
	d.Feed([]byte("RESERVED 1 3\r\nabc\r\n"))
	r, err := d.Next(KindReserve)
	if err != nil {
		t.Fatal(err)
	}
	kept := r.CloneBody()
	c := r.Clone()
	if cap(r.Body) != len(r.Body) {
		t.Fatalf("Body cap %d > len %d: appends would overwrite the buffer", cap(r.Body), len(r.Body))
	}
	d.Feed([]byte("RESERVED 2 3\r\nxyz\r\n"))
	if _, err := d.Next(KindReserve); err != nil {
		t.Fatal(err)
	}
	if string(kept) != "abc" || string(c.Body) != "abc" || c.ID != 1 {
		t.Fatalf("copies changed: %q %q", kept, c.Body)
	}
	if (Reply{}).CloneBody() != nil {
		t.Fatal("CloneBody of nil body is not nil")
	}
	if b := (Reply{Body: []byte{}}).CloneBody(); b == nil || len(b) != 0 {
		t.Fatal("CloneBody of empty body")
	}
}
