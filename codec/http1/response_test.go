package http1

import (
	"errors"
	"testing"
)

type respCase struct {
	name   string
	method string
	in     string
	opts   []Option
	want   []exp
	err    error
}

var responseCases = []respCase{
	{name: "content-length", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", want: []exp{
		head("minor", "1", "status", "200", "reason", "OK", "fields", "Content-Length:5", "framing", "Length",
			"cl", "5", "ka", "true", "interim", "false", "switched", "false"),
		body("hello"), end()}},
	{name: "chunked with trailers", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nEtag: \"1\"\r\n\r\n",
		want: []exp{head("framing", "Chunked", "cl", "-1"), body("abc"), trailer("Etag:\"1\""), end()}},
	{name: "pipelined", in: "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
		want: []exp{head("status", "204", "framing", "None"), end(), head("status", "200"), body("x"), end(), head("status", "404", "framing", "None"), end()}},
	{name: "head response", method: "HEAD", in: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
		want: []exp{head("framing", "None", "cl", "100", "ka", "true"), end(), head("framing", "Length"), body("x"), end()}},
	{name: "head response with chunked", method: "HEAD", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		want: []exp{head("framing", "None"), end()}},
	{name: "204 ignores length", in: "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", want: []exp{head("framing", "None", "cl", "7"), end()}},
	{name: "304 ignores bad length", in: "HTTP/1.1 304 Not Modified\r\nContent-Length: x\r\n\r\n", want: []exp{head("framing", "None", "cl", "-1"), end()}},
	{name: "interim then final", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		want: []exp{head("status", "100", "interim", "true", "framing", "None"), end(), head("status", "103", "interim", "true"), end(),
			head("status", "200", "interim", "false"), body("ok"), end()}},
	{name: "interim keeps HEAD", method: "HEAD", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",
		want: []exp{head("status", "100"), end(), head("status", "200", "framing", "None"), end()}},
	{name: "switching protocols", in: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello",
		want: []exp{head("status", "101", "switched", "true", "interim", "false", "ka", "false"), end()}, err: ErrProtocolSwitched},
	{name: "connect tunnel", method: "CONNECT", in: "HTTP/1.1 200 Connection Established\r\nContent-Length: bogus\r\nTransfer-Encoding: x\r\n\r\n\x16\x03\x01",
		want: []exp{head("switched", "true", "framing", "None"), end()}, err: ErrProtocolSwitched},
	{name: "connect refused", method: "CONNECT", in: "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\nno",
		want: []exp{head("switched", "false", "framing", "Length"), body("no"), end()}},
	{name: "http/1.0", in: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", want: []exp{head("minor", "0", "ka", "false"), body("x"), end()}},
	{name: "http/1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
		want: []exp{head("minor", "0", "ka", "true"), body("x"), end()}},
	{name: "close", in: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", want: []exp{head("ka", "false"), body("x"), end()}},
	{name: "until close", in: "HTTP/1.1 200 OK\r\n\r\nabc", want: []exp{head("framing", "UntilClose", "ka", "false"), body("abc")}},
	{name: "coding not chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc", want: []exp{head("framing", "UntilClose"), body("abc")}},
	{name: "gzip then chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n",
		want: []exp{head("framing", "Chunked"), body("z"), end()}},
	{name: "obs-fold replaced", in: "HTTP/1.1 200 OK\r\nX: a\r\n  b \r\n\tc\r\nContent-Length: 0\r\n\r\n",
		want: []exp{head("fields", "X:a    b   \tc|Content-Length:0"), end()}},
	{name: "unknown status", in: "HTTP/1.1 999 Whatever\r\nContent-Length: 0\r\n\r\n", want: []exp{head("status", "999", "reason", "Whatever"), end()}},
	{name: "empty reason", in: "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", want: []exp{head("reason", ""), end()}},
	{name: "reason bytes", in: "HTTP/1.1 200 \xc3\x9cber\tok \r\nContent-Length: 0\r\n\r\n", want: []exp{head("reason", "\xc3\x9cber\tok "), end()}},
	{name: "http/1.1 minor 9", in: "HTTP/1.9 200 OK\r\nContent-Length: 0\r\n\r\n", want: []exp{head("minor", "9", "ka", "true"), end()}},

	{name: "no space after status", in: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", err: ErrInvalidStatus},
	{name: "short status", in: "HTTP/1.1 20 OK\r\n\r\n", err: ErrInvalidStatus},
	{name: "letter in status", in: "HTTP/1.1 2x0 OK\r\n\r\n", err: ErrInvalidStatus},
	{name: "bad version", in: "HTTP/2 200 OK\r\n\r\n", err: ErrInvalidVersion},
	{name: "short line", in: "HTTP/1\r\n\r\n", err: ErrInvalidVersion},
	{name: "not http", in: "SSH-2.0-OpenSSH_9.2\r\n", err: ErrInvalidVersion},
	{name: "version 2.0", in: "HTTP/2.0 200 OK\r\n\r\n", err: ErrUnsupportedVersion},
	{name: "CL and TE", in: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", err: ErrLengthAndChunked},
	{name: "differing CL", in: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", err: ErrContentLengthDiffers},
	{name: "bad CL", in: "HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\n", err: ErrInvalidContentLength},
	{name: "TE in 1.0", in: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", err: ErrInvalidTransfer},
	{name: "chunked twice", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", err: ErrInvalidTransfer},
	{name: "bare LF", in: "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", err: ErrBareLF},
	{name: "bare LF in fields", in: "HTTP/1.1 200 OK\r\nContent-Length: 0\n\n", err: ErrBareLF},
	{name: "bare CR in reason", in: "HTTP/1.1 200 O\rK\r\n\r\n", err: ErrBareCR},
	{name: "control in reason", in: "HTTP/1.1 200 O\x00K\r\n\r\n", err: ErrInvalidStatus},
	{name: "NUL in value", in: "HTTP/1.1 200 OK\r\nX: \x00\r\n\r\n", err: ErrInvalidFieldValue},
	{name: "space before colon", in: "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", err: ErrSpaceBeforeColon},
	{name: "whitespace before first field", in: "HTTP/1.1 200 OK\r\n X: a\r\n\r\n", err: ErrInvalidFieldName},
	{name: "bad chunk", want: []exp{head()}, in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", err: ErrInvalidChunk},
	{name: "header too large", in: "HTTP/1.1 200 OK\r\nX: 0123456789\r\n\r\n", opts: []Option{WithMaxHeaderBytes(20)}, err: ErrHeaderTooLarge},
	{name: "body too large", in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", opts: []Option{WithMaxBodyBytes(9)}, err: ErrBodyTooLarge},
	{name: "until close too large", in: "HTTP/1.1 200 OK\r\n\r\nabcdef", opts: []Option{WithMaxBodyBytes(3)},
		want: []exp{head("framing", "UntilClose"), body("abc")}, err: ErrBodyTooLarge},
	{name: "until close at limit", in: "HTTP/1.1 200 OK\r\n\r\nabc", opts: []Option{WithMaxBodyBytes(3)},
		want: []exp{head("framing", "UntilClose"), body("abc")}},
}

func newResp(method string, opts []Option) parser {
	p := NewResponseParser(opts...)
	p.SetMethod(method)
	return respP{p}
}

func TestResponseParser(t *testing.T) {
	for _, tc := range responseCases {
		t.Run(tc.name, func(t *testing.T) {
			recs, err, _ := run(newResp(tc.method, tc.opts), []byte(tc.in))
			switch {
			case tc.err == nil && err != nil:
				t.Fatalf("unexpected error %v after:\n%s", err, recsString(recs))
			case tc.err == ErrProtocolSwitched:
				if err != ErrProtocolSwitched {
					t.Fatalf("error %v, want ErrProtocolSwitched", err)
				}
			case tc.err != nil:
				checkErr(t, err, tc.err, 502)
			}
			checkEvents(t, recs, tc.want)
		})
	}
}

func TestResponseSplits(t *testing.T) {
	for _, tc := range responseCases {
		t.Run(tc.name, func(t *testing.T) {
			checkSplits(t, func() parser { return newResp(tc.method, tc.opts) }, []byte(tc.in))
		})
	}
}

func TestResponseEOF(t *testing.T) {
	p := NewResponseParser()
	ev, err := p.EOF()
	if err != nil || ev.Kind != EventNone {
		t.Fatalf("EOF on fresh parser: %v %v", ev, err)
	}
	recs, err, _ := run(respP{p}, []byte("HTTP/1.1 200 OK\r\n\r\nabc"), []byte("def"))
	if err != nil {
		t.Fatal(err)
	}
	checkEvents(t, recs, []exp{head("framing", "UntilClose"), body("abcdef")})
	if ev, err = p.EOF(); err != nil || ev.Kind != EventEnd {
		t.Fatalf("EOF ending body: %v %v", ev, err)
	}

	p = NewResponseParser()
	if _, err, _ = run(respP{p}, []byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")); err != nil {
		t.Fatal(err)
	}
	_, err = p.EOF()
	checkErr(t, err, ErrUnexpectedEOF, 502)

	p = NewResponseParser()
	if _, err, _ = run(respP{p}, []byte("HTTP/1.1 200")); err != nil {
		t.Fatal(err)
	}
	_, err = p.EOF()
	checkErr(t, err, ErrUnexpectedEOF, 502)

	p = NewResponseParser()
	if _, err, _ = run(respP{p}, []byte("HTTP/1.1 101 Switching Protocols\r\n\r\n")); err != ErrProtocolSwitched {
		t.Fatal(err)
	}
	if _, _, err := p.Parse(nil); !errors.Is(err, ErrProtocolSwitched) {
		t.Fatalf("after 101: %v", err)
	}
	if ev, err = p.EOF(); err != nil || ev.Kind != EventNone {
		t.Fatalf("EOF after switch: %v %v", ev, err)
	}
}

func TestResponseObsFoldRewritesBuffer(t *testing.T) {
	in := []byte("HTTP/1.1 204 No Content\r\nX: a\r\n b\r\n\r\n")
	p := NewResponseParser()
	if _, ev, err := p.Parse(in); err != nil || ev.Kind != EventHead {
		t.Fatal(ev, err)
	}
	if got := string(p.Response().Header.Get("x")); got != "a   b" {
		t.Fatalf("folded value %q", got)
	}
	if string(in) != "HTTP/1.1 204 No Content\r\nX: a   b\r\n\r\n" {
		t.Fatalf("buffer now %q", in)
	}
}
