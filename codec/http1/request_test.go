package http1

import (
	"strings"
	"testing"
)

type reqCase struct {
	name   string
	in     string
	opts   []Option
	want   []exp
	err    error // sentinel, nil for success
	status int
}

const typicalGET = "GET /index.html?lang=en HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=abc123; theme=dark\r\n" +
	"Cache-Control: max-age=0\r\n" +
	"\r\n"

var requestCases = []reqCase{
	// Valid requests.
	{name: "minimal", in: "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", want: []exp{
		head("method", "GET", "target", "/", "form", "origin-form", "path", "/", "query", "<nil>",
			"host", "example.com", "minor", "1", "fields", "Host:example.com", "framing", "None",
			"cl", "-1", "ka", "true", "continue", "false", "upgrade", "false"),
		end()}},
	{name: "typical", in: typicalGET, want: []exp{
		head("method", "GET", "path", "/index.html", "query", "lang=en", "host", "www.example.com",
			"fields", "Host:www.example.com|User-Agent:Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0|"+
				"Accept:text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8|Accept-Language:en-US,en;q=0.5|"+
				"Accept-Encoding:gzip, deflate, br|Connection:keep-alive|Cookie:session=abc123; theme=dark|Cache-Control:max-age=0"),
		end()}},
	{name: "content-length body", in: "POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world", want: []exp{
		head("method", "POST", "framing", "Length", "cl", "11"), body("hello world"), end()}},
	{name: "content-length zero", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", want: []exp{
		head("framing", "None", "cl", "0"), end()}},
	{name: "chunked", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\n6;name=value;flag\r\n world\r\n0\r\n\r\n", want: []exp{
		head("framing", "Chunked", "cl", "-1"), body("hello world"), end()}},
	{name: "chunked trailers", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"000A ; a = b ; c=\"q\\\"uo;ted\"\r\n0123456789\r\n00;last\r\nExpires: never\r\nX-Sum:  abc \r\n\r\n", want: []exp{
		head("framing", "Chunked"), body("0123456789"), trailer("Expires:never|X-Sum:abc"), end()}},
	{name: "chunked upper hex", in: "PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
		want: []exp{head(), body("0123456789"), end()}},
	{name: "chunked case and empty elements", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , CHUNKED ,\r\n\r\n0\r\n\r\n",
		want: []exp{head("framing", "Chunked"), end()}},
	{name: "pipelined", in: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
		want: []exp{head("target", "/1"), end(), head("target", "/2"), body("abc"), end(), head("target", "/3"), end()}},
	{name: "leading empty lines", in: "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", want: []exp{head("target", "/"), end()}},
	{name: "http/1.0 defaults", in: "GET / HTTP/1.0\r\n\r\n", want: []exp{head("minor", "0", "host", "", "ka", "false"), end()}},
	{name: "http/1.0 keep-alive", in: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: h\r\n\r\n", want: []exp{head("minor", "0", "host", "h", "ka", "true"), end()}},
	{name: "http/1.1 close", in: "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", want: []exp{head("ka", "false"), end()}},
	{name: "http/1.2 as 1.1", in: "GET / HTTP/1.2\r\nHost: a\r\n\r\n", want: []exp{head("minor", "2", "ka", "true"), end()}},
	{name: "expect continue", in: "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx",
		want: []exp{head("continue", "true"), body("x"), end()}},
	{name: "expect continue ignored in 1.0", in: "PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
		want: []exp{head("continue", "false"), body("x"), end()}},
	{name: "upgrade", in: "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
		want: []exp{head("upgrade", "true", "ka", "true"), end()}},
	{name: "upgrade without connection option", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n",
		want: []exp{head("upgrade", "false"), end()}},
	{name: "upgrade ignored in 1.0", in: "GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
		want: []exp{head("upgrade", "false"), end()}},
	{name: "absolute form overrides host", in: "GET http://Example.com:8080/a/b?x=1 HTTP/1.1\r\nHost: other\r\n\r\n",
		want: []exp{head("form", "absolute-form", "host", "Example.com:8080", "path", "/a/b", "query", "x=1"), end()}},
	{name: "absolute form empty path", in: "GET https://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
		want: []exp{head("form", "absolute-form", "host", "example.com", "path", "", "query", "<nil>"), end()}},
	{name: "absolute form other scheme", in: "GET urn:isbn:0451450523 HTTP/1.1\r\nHost: h\r\n\r\n",
		want: []exp{head("form", "absolute-form", "host", "h", "path", "isbn:0451450523"), end()}},
	{name: "connect", in: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
		want: []exp{head("form", "authority-form", "host", "example.com:443", "path", ""), end()}},
	{name: "connect ipv6", in: "CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n",
		want: []exp{head("host", "[2001:db8::1]:443"), end()}},
	{name: "options asterisk", in: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", want: []exp{head("form", "asterisk-form", "path", "*"), end()}},
	{name: "content-length list", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\nContent-Length: 003\r\n\r\nabc",
		want: []exp{head("cl", "3"), body("abc"), end()}},
	{name: "field value bytes", in: "GET / HTTP/1.1\r\nHost: a\r\nX-A: \t a\tb \xff\x80 \t\r\nX-Empty:\r\nX-Sp:   \r\n\r\n",
		want: []exp{head("fields", "Host:a|X-A:a\tb \xff\x80|X-Empty:|X-Sp:"), end()}},
	{name: "empty host", in: "GET / HTTP/1.1\r\nHost:\r\n\r\n", want: []exp{head("host", ""), end()}},
	{name: "host forms", in: "GET / HTTP/1.1\r\nHost: [::ffff:192.0.2.1]:80\r\n\r\nGET / HTTP/1.1\r\nHost: 192.0.2.1:\r\n\r\nGET / HTTP/1.1\r\nHost: xn--bcher-kva.example%2E\r\n\r\n",
		want: []exp{head(), end(), head(), end(), head(), end()}},
	{name: "percent and query", in: "GET /a%2Fb;p=1/c?q=/?x&y=%20 HTTP/1.1\r\nHost: a\r\n\r\n",
		want: []exp{head("path", "/a%2Fb;p=1/c", "query", "q=/?x&y=%20"), end()}},
	{name: "empty query", in: "GET /? HTTP/1.1\r\nHost: a\r\n\r\n", want: []exp{head("path", "/", "query", ""), end()}},
	{name: "lower-case method token", in: "m-1! / HTTP/1.1\r\nHost: a\r\n\r\n", want: []exp{head("method", "m-1!"), end()}},
	{name: "chunk extension at limit", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;abcd\r\nx\r\n0\r\n\r\n",
		opts: []Option{WithMaxChunkExtBytes(5)}, want: []exp{head(), body("x"), end()}},
	{name: "limits exactly met", in: "GET /abc HTTP/1.1\r\nHost: a\r\nB: c\r\n\r\n",
		opts: []Option{WithMaxURIBytes(4), WithMaxFields(2), WithMaxHeaderBytes(36)}, want: []exp{head(), end()}},
	{name: "body at limit", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
		opts: []Option{WithMaxBodyBytes(3)}, want: []exp{head(), body("abc"), end()}},

	// Request smuggling vectors and malformed framing.
	{name: "CL and TE", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", err: ErrLengthAndChunked, status: 400},
	{name: "TE and CL", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", err: ErrLengthAndChunked, status: 400},
	{name: "TE chunked, identity", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n", err: ErrInvalidTransfer, status: 400},
	{name: "TE identity", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", err: ErrInvalidTransfer, status: 400},
	{name: "TE xchunked", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", err: ErrInvalidTransfer, status: 400},
	{name: "TE empty", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", err: ErrInvalidTransfer, status: 400},
	{name: "TE split over lines, chunked first", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", err: ErrInvalidTransfer, status: 400},
	{name: "TE chunked twice", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", err: ErrInvalidTransfer, status: 400},
	{name: "TE chunked with parameter", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;x=1\r\n\r\n", err: ErrInvalidTransfer, status: 400},
	{name: "TE bad syntax", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;, chunked\r\n\r\n", err: ErrInvalidTransfer, status: 400},
	{name: "TE gzip, chunked", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", err: ErrUnsupportedTransfer, status: 501},
	{name: "TE unknown, chunked", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo;q=\"1,2\", chunked\r\n\r\n", err: ErrUnsupportedTransfer, status: 501},
	{name: "TE in HTTP/1.0", in: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", err: ErrInvalidTransfer, status: 400},
	{name: "space before colon", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", err: ErrSpaceBeforeColon, status: 400},
	{name: "tab before colon", in: "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", err: ErrSpaceBeforeColon, status: 400},
	{name: "differing CL", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", err: ErrContentLengthDiffers, status: 400},
	{name: "differing CL list", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", err: ErrContentLengthDiffers, status: 400},
	{name: "negative CL", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", err: ErrInvalidContentLength, status: 400},
	{name: "plus CL", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", err: ErrInvalidContentLength, status: 400},
	{name: "hex CL", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", err: ErrInvalidContentLength, status: 400},
	{name: "empty CL", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", err: ErrInvalidContentLength, status: 400},
	{name: "CL commas only", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: , ,\r\n\r\n", err: ErrInvalidContentLength, status: 400},
	{name: "CL with space inside", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", err: ErrInvalidContentLength, status: 400},
	{name: "overflowing CL", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", err: ErrInvalidContentLength, status: 400},
	{name: "huge CL", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999999\r\n\r\n", err: ErrInvalidContentLength, status: 400},
	{name: "chunk size overflow", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", err: ErrChunkSizeOverflow, status: 400},
	{name: "chunk size negative", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", err: ErrInvalidChunk, status: 400},
	{name: "chunk size missing", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n", err: ErrInvalidChunk, status: 400},
	{name: "chunk size 0x", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n", err: ErrInvalidChunk, status: 400},
	{name: "chunk size trailing space", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n", err: ErrInvalidChunk, status: 400},
	{name: "chunk data too long", want: []exp{head(), body("hel")}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", err: ErrInvalidChunk, status: 400},
	{name: "chunk data LF only", want: []exp{head(), body("abc")}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n", err: ErrBareLF, status: 400},
	{name: "chunk line LF only", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n", err: ErrBareLF, status: 400},
	{name: "chunk line bare CR", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\rabc\r\n", err: ErrBareCR, status: 400},
	{name: "chunk ext bad", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;=x\r\nabc\r\n", err: ErrInvalidChunk, status: 400},
	{name: "chunk ext unterminated quote", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\"x\r\nabc\r\n", err: ErrInvalidChunk, status: 400},
	{name: "chunk ext too long", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;abcde\r\nx\r\n0\r\n\r\n",
		opts: []Option{WithMaxChunkExtBytes(5)}, err: ErrChunkExtTooLong, status: 400},
	{name: "chunk ext too long default", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;" + strings.Repeat("a", DefaultMaxChunkExtBytes) + "\r\n",
		err: ErrChunkExtTooLong, status: 400},
	{name: "trailer obs-fold", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n c\r\n\r\n", err: ErrObsFold, status: 400},
	{name: "trailer too large", want: []exp{head()}, in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nAaaa: " + strings.Repeat("b", 60) + "\r\n\r\n",
		opts: []Option{WithMaxHeaderBytes(60)}, err: ErrHeaderTooLarge, status: 431},
	{name: "LF-only request line", in: "GET / HTTP/1.1\nHost: a\r\n\r\n", err: ErrBareLF, status: 400},
	{name: "LF-only field line", in: "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", err: ErrBareLF, status: 400},
	{name: "LF-only end of head", in: "GET / HTTP/1.1\r\nHost: a\r\n\n", err: ErrBareLF, status: 400},
	{name: "LF-only everywhere", in: "GET / HTTP/1.1\nHost: a\n\n", err: ErrBareLF, status: 400},
	{name: "LF-only leading line", in: "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBareLF, status: 400},
	{name: "bare CR leading line", in: "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBareCR, status: 400},
	{name: "missing target", in: "GET\r\nHost: a\r\n\r\n", err: ErrInvalidMethod, status: 400},
	{name: "bare CR in value", in: "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", err: ErrBareCR, status: 400},
	{name: "bare CR ends head", in: "GET / HTTP/1.1\r\nHost: a\r\n\rX\r\n\r\n", err: ErrBareCR, status: 400},
	{name: "bare CR in request line", in: "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBareCR, status: 400},
	{name: "NUL in value", in: "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", err: ErrInvalidFieldValue, status: 400},
	{name: "NUL in name", in: "GET / HTTP/1.1\r\nHost: a\r\nX\x00: ab\r\n\r\n", err: ErrInvalidFieldName, status: 400},
	{name: "NUL in target", in: "GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "NUL in method", in: "GE\x00T / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidMethod, status: 400},
	{name: "DEL in value", in: "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", err: ErrInvalidFieldValue, status: 400},
	{name: "control in value", in: "GET / HTTP/1.1\r\nHost: a\r\nX: a\x0bb\r\n\r\n", err: ErrInvalidFieldValue, status: 400},
	{name: "obs-fold", in: "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", err: ErrObsFold, status: 400},
	{name: "obs-fold tab", in: "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", err: ErrObsFold, status: 400},
	{name: "whitespace before first field", in: "GET / HTTP/1.1\r\n Host: a\r\n\r\n", err: ErrInvalidFieldName, status: 400},
	{name: "empty field name", in: "GET / HTTP/1.1\r\nHost: a\r\n: a\r\n\r\n", err: ErrInvalidFieldName, status: 400},
	{name: "no colon", in: "GET / HTTP/1.1\r\nHost: a\r\nJunk\r\n\r\n", err: ErrInvalidFieldName, status: 400},
	{name: "missing host", in: "GET / HTTP/1.1\r\nX: a\r\n\r\n", err: ErrMissingHost, status: 400},
	{name: "missing host absolute form", in: "GET http://a/ HTTP/1.1\r\n\r\n", err: ErrMissingHost, status: 400},
	{name: "two hosts", in: "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", err: ErrMultipleHost, status: 400},
	{name: "two hosts in 1.0", in: "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", err: ErrMultipleHost, status: 400},
	{name: "host list", in: "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", err: ErrInvalidHost, status: 400},
	{name: "host with space", in: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", err: ErrInvalidHost, status: 400},
	{name: "host with path", in: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", err: ErrInvalidHost, status: 400},
	{name: "host with userinfo", in: "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", err: ErrInvalidHost, status: 400},
	{name: "host bad port", in: "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", err: ErrInvalidHost, status: 400},
	{name: "host bad ipv6", in: "GET / HTTP/1.1\r\nHost: [1:2:3]\r\n\r\n", err: ErrInvalidHost, status: 400},
	{name: "host bad percent", in: "GET / HTTP/1.1\r\nHost: a%g0\r\n\r\n", err: ErrInvalidHost, status: 400},
	{name: "HTTP/2.0", in: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", err: ErrUnsupportedVersion, status: 505},
	{name: "HTTP/0.9 version", in: "GET / HTTP/0.9\r\n\r\n", err: ErrUnsupportedVersion, status: 505},
	{name: "HTTP/0.9 no version", in: "GET /\r\n\r\n", err: ErrInvalidVersion, status: 400},
	{name: "lower-case version", in: "GET / http/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidVersion, status: 400},
	{name: "version two digits", in: "GET / HTTP/1.10\r\nHost: a\r\n\r\n", err: ErrInvalidVersion, status: 400},
	{name: "version short", in: "GET / HTTP/1\r\nHost: a\r\n\r\n", err: ErrInvalidVersion, status: 400},
	{name: "trailing space after version", in: "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", err: ErrInvalidVersion, status: 400},
	{name: "double space", in: "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "tab separator", in: "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidMethod, status: 400},
	{name: "empty method", in: " / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidMethod, status: 400},
	{name: "method with slash", in: "GE/T / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidMethod, status: 400},
	{name: "fragment", in: "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "bad percent", in: "GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "truncated percent", in: "GET /a%2 HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "raw quote in target", in: "GET /a\"b HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "non-ascii target", in: "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "asterisk with GET", in: "GET * HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "connect origin form", in: "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "connect without port", in: "CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "connect empty port", in: "CONNECT example.com: HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "userinfo in http URI", in: "GET http://user:pw@a/ HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "http URI without host", in: "GET http:///a HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "http URI without authority", in: "GET http:/a HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},
	{name: "bad scheme", in: "GET 1http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrInvalidTarget, status: 400},

	// Limits.
	{name: "header section too large", in: "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("b", 100) + "\r\n\r\n",
		opts: []Option{WithMaxHeaderBytes(64)}, err: ErrHeaderTooLarge, status: 431},
	{name: "header section one over", in: "GET /abc HTTP/1.1\r\nHost: a\r\nB: c\r\n\r\n",
		opts: []Option{WithMaxHeaderBytes(35)}, err: ErrHeaderTooLarge, status: 431},
	{name: "endless header line", in: "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("b", 100),
		opts: []Option{WithMaxHeaderBytes(64)}, err: ErrHeaderTooLarge, status: 431},
	{name: "endless request line", in: "GET / HTTP/1.1" + strings.Repeat("b", 100),
		opts: []Option{WithMaxHeaderBytes(64)}, err: ErrHeaderTooLarge, status: 431},
	{name: "default header limit", in: "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("b", DefaultMaxHeaderBytes) + "\r\n\r\n",
		err: ErrHeaderTooLarge, status: 431},
	{name: "too many fields", in: "GET / HTTP/1.1\r\nHost: a\r\nB: c\r\nD: e\r\n\r\n",
		opts: []Option{WithMaxFields(2)}, err: ErrTooManyFields, status: 431},
	{name: "too many trailer fields", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\nB: c\r\n\r\n",
		opts: []Option{WithMaxFields(1)}, err: ErrTooManyFields, status: 431},
	{name: "default field limit", in: "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: y\r\n", DefaultMaxFields) + "\r\n",
		err: ErrTooManyFields, status: 431},
	{name: "uri too long", in: "GET /abcd HTTP/1.1\r\nHost: a\r\n\r\n",
		opts: []Option{WithMaxURIBytes(4)}, err: ErrURITooLong, status: 414},
	{name: "uri too long, incomplete", in: "GET /abcdefgh",
		opts: []Option{WithMaxURIBytes(4)}, err: ErrURITooLong, status: 414},
	{name: "uri too long beats bad char", in: "GET /a\x00cd HTTP/1.1\r\n",
		opts: []Option{WithMaxURIBytes(4)}, err: ErrURITooLong, status: 414},
	{name: "default uri limit", in: "GET /" + strings.Repeat("a", DefaultMaxURIBytes) + " HTTP/1.1\r\nHost: a\r\n\r\n",
		err: ErrURITooLong, status: 414},
	{name: "body too large", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd",
		opts: []Option{WithMaxBodyBytes(3)}, err: ErrBodyTooLarge, status: 413},
	{name: "chunked body too large", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n",
		opts: []Option{WithMaxBodyBytes(3)}, want: []exp{head(), body("ab")}, err: ErrBodyTooLarge, status: 413},
	{name: "error after pipelined request", in: "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n\r\n",
		want: []exp{head(), end()}, err: ErrMissingHost, status: 400},
}

func TestRequestParser(t *testing.T) {
	for _, tc := range requestCases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewRequestParser(tc.opts...)
			recs, err, _ := run(reqP{p}, []byte(tc.in))
			if tc.err == nil {
				if err != nil {
					t.Fatalf("unexpected error %v after:\n%s", err, recsString(recs))
				}
			} else {
				checkErr(t, err, tc.err, tc.status)
				// The error is sticky.
				if _, _, err2 := p.Parse([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")); err2 != err {
					t.Fatalf("after error, Parse returned %v", err2)
				}
			}
			checkEvents(t, recs, tc.want)
		})
	}
}

func TestRequestSplits(t *testing.T) {
	for _, tc := range requestCases {
		if len(tc.in) > 2000 {
			continue // the default-limit cases; covered whole above
		}
		t.Run(tc.name, func(t *testing.T) {
			checkSplits(t, func() parser { return reqP{NewRequestParser(tc.opts...)} }, []byte(tc.in))
		})
	}
}

func TestRequestLargeSplits(t *testing.T) {
	// The default-limit cases, split at a handful of offsets.
	for _, tc := range requestCases {
		if len(tc.in) <= 2000 {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			want, wantErr, _ := run(reqP{NewRequestParser(tc.opts...)}, []byte(tc.in))
			for _, at := range []int{1, 17, len(tc.in) / 2, len(tc.in) - 3} {
				got, err, _ := run(reqP{NewRequestParser(tc.opts...)}, []byte(tc.in[:at]), []byte(tc.in[at:]))
				if recsString(got) != recsString(want) || err != wantErr {
					t.Fatalf("split at %d: %v %v, want %v %v", at, got, err, want, wantErr)
				}
			}
		})
	}
}

func TestRequestEOF(t *testing.T) {
	p := NewRequestParser()
	if err := p.EOF(); err != nil {
		t.Fatalf("EOF on fresh parser: %v", err)
	}
	in := []byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab")
	recs, err, _ := run(reqP{p}, in)
	if err != nil || len(recs) != 2 {
		t.Fatalf("got %v %v", recs, err)
	}
	checkErr(t, p.EOF(), ErrUnexpectedEOF, 400)

	p = NewRequestParser()
	if _, err, _ = run(reqP{p}, []byte("GET / HT")); err != nil {
		t.Fatal(err)
	}
	checkErr(t, p.EOF(), ErrUnexpectedEOF, 400)

	p = NewRequestParser()
	if _, err, _ = run(reqP{p}, []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := p.EOF(); err != nil {
		t.Fatalf("EOF between requests: %v", err)
	}
}

func TestRequestZeroValueAndReset(t *testing.T) {
	var p RequestParser
	in := []byte("GET /a HTTP/1.1\r\nHost: a\r\n\r\n")
	recs, err, _ := run(reqP{&p}, in)
	if err != nil {
		t.Fatal(err)
	}
	checkEvents(t, recs, []exp{head("target", "/a"), end()})
	if _, err, _ = run(reqP{&p}, []byte("BAD\r\n\r\n")); err == nil {
		t.Fatal("want error")
	}
	p.Reset(WithMaxURIBytes(1))
	_, err, _ = run(reqP{&p}, in)
	checkErr(t, err, ErrURITooLong, 414)
}

func TestRequestBodyAliasesInput(t *testing.T) {
	p := NewRequestParser()
	in := []byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcdef")
	n, ev, err := p.Parse(in)
	if err != nil || ev.Kind != EventHead {
		t.Fatal(ev, err)
	}
	req := p.Request()
	if &req.Method[0] != &in[0] {
		t.Fatal("method is not a slice of the input")
	}
	m, ev, err := p.Parse(in[n:])
	if err != nil || ev.Kind != EventBody || string(ev.Data) != "abc" || m != 3 {
		t.Fatal(m, ev, err)
	}
	if &ev.Data[0] != &in[n] || cap(ev.Data) != 3 {
		t.Fatal("body data is not a capped slice of the input")
	}
}
