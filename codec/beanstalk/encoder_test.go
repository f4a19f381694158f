package beanstalk

import (
	"errors"
	"strings"
	"testing"
)

func TestEncoderCommands(t *testing.T) {
	var e Encoder
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	long := strings.Repeat("t", MaxTubeNameLen)
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"put", must(e.AppendPut(nil, 1024, 0, 60, []byte("hello"))), "put 1024 0 60 5\r\nhello\r\n"},
		{"put max", must(e.AppendPut(nil, 4294967295, 4294967295, 4294967295, []byte("x"))), "put 4294967295 4294967295 4294967295 1\r\nx\r\n"},
		{"put crlf body", must(e.AppendPut(nil, 0, 0, 1, []byte("a\r\nb\r\n"))), "put 0 0 1 6\r\na\r\nb\r\n\r\n"},
		{"put empty body", must(e.AppendPut(nil, 0, 0, 0, nil)), "put 0 0 0 0\r\n\r\n"},
		{"use", must(e.AppendUse(nil, "emails")), "use emails\r\n"},
		{"use long", must(e.AppendUse(nil, long)), "use " + long + "\r\n"},
		{"reserve", e.AppendReserve(nil), "reserve\r\n"},
		{"reserve-with-timeout", e.AppendReserveWithTimeout(nil, 0), "reserve-with-timeout 0\r\n"},
		{"reserve-with-timeout 30", e.AppendReserveWithTimeout(nil, 30), "reserve-with-timeout 30\r\n"},
		{"reserve-job", e.AppendReserveJob(nil, 18446744073709551615), "reserve-job 18446744073709551615\r\n"},
		{"delete", e.AppendDelete(nil, 7), "delete 7\r\n"},
		{"release", e.AppendRelease(nil, 7, 100, 5), "release 7 100 5\r\n"},
		{"bury", e.AppendBury(nil, 7, 9), "bury 7 9\r\n"},
		{"touch", e.AppendTouch(nil, 7), "touch 7\r\n"},
		{"watch", must(e.AppendWatch(nil, "a_b")), "watch a_b\r\n"},
		{"ignore", must(e.AppendIgnore(nil, "default")), "ignore default\r\n"},
		{"peek", e.AppendPeek(nil, 0), "peek 0\r\n"},
		{"peek-ready", e.AppendPeekReady(nil), "peek-ready\r\n"},
		{"peek-delayed", e.AppendPeekDelayed(nil), "peek-delayed\r\n"},
		{"peek-buried", e.AppendPeekBuried(nil), "peek-buried\r\n"},
		{"kick", e.AppendKick(nil, 100), "kick 100\r\n"},
		{"kick-job", e.AppendKickJob(nil, 3), "kick-job 3\r\n"},
		{"stats-job", e.AppendStatsJob(nil, 3), "stats-job 3\r\n"},
		{"stats-tube", must(e.AppendStatsTube(nil, "(x$y;z+/.)")), "stats-tube (x$y;z+/.)\r\n"},
		{"stats", e.AppendStats(nil), "stats\r\n"},
		{"list-tubes", e.AppendListTubes(nil), "list-tubes\r\n"},
		{"list-tube-used", e.AppendListTubeUsed(nil), "list-tube-used\r\n"},
		{"list-tubes-watched", e.AppendListTubesWatched(nil), "list-tubes-watched\r\n"},
		{"pause-tube", must(e.AppendPauseTube(nil, "emails", 3600)), "pause-tube emails 3600\r\n"},
		{"quit", e.AppendQuit(nil), "quit\r\n"},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestEncoderAppends(t *testing.T) {
	var e Encoder
	buf := []byte("prefix|")
	buf = e.AppendReserve(buf)
	buf, err := e.AppendUse(buf, "x")
	if err != nil {
		t.Fatal(err)
	}
	buf, err = e.AppendPut(buf, 1, 2, 3, []byte("b"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "prefix|reserve\r\nuse x\r\nput 1 2 3 1\r\nb\r\n"; string(buf) != want {
		t.Fatalf("got %q, want %q", buf, want)
	}
}

func TestEncoderPutSizeLimit(t *testing.T) {
	var e Encoder
	if _, err := e.AppendPut(nil, 0, 0, 1, make([]byte, DefaultMaxJobSize)); err != nil {
		t.Fatalf("body of DefaultMaxJobSize: %v", err)
	}
	dst := []byte("keep")
	got, err := e.AppendPut(dst, 0, 0, 1, make([]byte, DefaultMaxJobSize+1))
	if !errors.Is(err, ErrJobTooBig) {
		t.Fatalf("err = %v, want ErrJobTooBig", err)
	}
	var ae *ArgError
	if !errors.As(err, &ae) || ae.Kind != KindPut || ae.Arg != "body" {
		t.Fatalf("err = %#v, want *ArgError for put body", err)
	}
	if string(got) != "keep" {
		t.Fatalf("dst changed on error: %q", got)
	}

	small := Encoder{MaxJobSize: 3}
	if _, err := small.AppendPut(nil, 0, 0, 1, []byte("abc")); err != nil {
		t.Fatalf("3 bytes with MaxJobSize 3: %v", err)
	}
	if _, err := small.AppendPut(nil, 0, 0, 1, []byte("abcd")); !errors.Is(err, ErrJobTooBig) {
		t.Fatalf("4 bytes with MaxJobSize 3: err = %v", err)
	}
	big := Encoder{MaxJobSize: 1 << 20}
	if _, err := big.AppendPut(nil, 0, 0, 1, make([]byte, 1<<20)); err != nil {
		t.Fatalf("1 MiB with MaxJobSize 1 MiB: %v", err)
	}
}

func TestTubeNames(t *testing.T) {
	valid := []string{
		"default", "a", "A-Z+0/9;.$_()", "(paren)", "_under", "$dollar", strings.Repeat("x", 200),
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
	}
	invalid := []string{
		"", "-leading", strings.Repeat("x", 201), "a b", "a\tb", "a\r\nb", "a*b", "a:b",
		"a#b", "a@b", "a,b", "a'b", "a\"b", "a\\b", "tübe", "a\x00b", "a\x7fb",
	}
	var e Encoder
	appenders := map[string]func(string) ([]byte, error){
		"use":        func(s string) ([]byte, error) { return e.AppendUse(nil, s) },
		"watch":      func(s string) ([]byte, error) { return e.AppendWatch(nil, s) },
		"ignore":     func(s string) ([]byte, error) { return e.AppendIgnore(nil, s) },
		"stats-tube": func(s string) ([]byte, error) { return e.AppendStatsTube(nil, s) },
		"pause-tube": func(s string) ([]byte, error) { return e.AppendPauseTube(nil, s, 1) },
	}
	for _, name := range valid {
		if err := ValidateTubeName(name); err != nil {
			t.Errorf("ValidateTubeName(%q) = %v, want nil", name, err)
		}
		for cmd, app := range appenders {
			if b, err := app(name); err != nil || !strings.HasPrefix(string(b), cmd+" "+name) {
				t.Errorf("%s %q: %q, %v", cmd, name, b, err)
			}
		}
	}
	for _, name := range invalid {
		err := ValidateTubeName(name)
		if !errors.Is(err, ErrInvalidTubeName) {
			t.Errorf("ValidateTubeName(%q) = %v, want ErrInvalidTubeName", name, err)
		}
		for cmd, app := range appenders {
			b, err := app(name)
			var ae *ArgError
			if !errors.As(err, &ae) || !errors.Is(err, ErrInvalidTubeName) || ae.Kind.String() != cmd {
				t.Errorf("%s %q: err = %v, want *ArgError for %s", cmd, name, err, cmd)
			}
			if b != nil {
				t.Errorf("%s %q: wrote %q on error", cmd, name, b)
			}
			if err != nil && err.Error() == "" {
				t.Errorf("%s %q: empty error text", cmd, name)
			}
		}
	}
}

func TestKindMetadata(t *testing.T) {
	for k := Kind(1); k < kindEnd; k++ {
		if !k.Valid() || k.String() == "" || strings.HasPrefix(k.String(), "Kind(") {
			t.Errorf("kind %d: Valid %v, String %q", k, k.Valid(), k)
		}
		if k.HasReply() != (k != KindQuit) {
			t.Errorf("%s: HasReply = %v", k, k.HasReply())
		}
		for r := ReplyType(1); r < replyEnd; r++ {
			if k.Succeeds(r) && !k.Expects(r) {
				t.Errorf("%s succeeds on %s but does not expect it", k, r)
			}
		}
	}
	for _, k := range []Kind{0, kindEnd, 255} {
		if k.Valid() || k.HasReply() || k.Expects(ReplyOK) || k.Succeeds(ReplyOK) || !strings.HasPrefix(k.String(), "Kind(") {
			t.Errorf("invalid kind %d misreported", k)
		}
	}
	for _, r := range []ReplyType{0, replyEnd} {
		if !strings.HasPrefix(r.String(), "ReplyType(") {
			t.Errorf("invalid reply type %d: String %q", r, r)
		}
	}
	if !KindBury.Succeeds(ReplyBuried) || KindPut.Succeeds(ReplyBuried) || KindRelease.Succeeds(ReplyBuried) {
		t.Error("BURIED success mapping is wrong")
	}
	if !KindRelease.Expects(ReplyBuried) || !KindPut.Expects(ReplyBuried) {
		t.Error("put and release must expect BURIED")
	}
}
