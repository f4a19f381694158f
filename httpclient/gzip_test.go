package httpclient_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestGzipMalformed: a gzip body that does not decompress (a bad
// checksum, a compressed stream that stops short inside a correctly
// framed body, bytes that are not gzip) fails with a *ResponseError
// matching ErrMalformedResponse through Do's body as through Send, and a
// body cut short by the connection still fails with ErrTruncated.
func TestGzipMalformed(t *testing.T) {
	leakcheck.Check(t)
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	io.WriteString(zw, "hello, hello, hello")
	zw.Close()
	good := zb.Bytes()
	badSum := bytes.Clone(good)
	badSum[len(badSum)-5] ^= 0xff // the CRC-32 of the trailer
	resp := func(body []byte) string {
		return "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + string(body)
	}
	base := cannedServer(t, map[string]string{
		"/checksum": resp(badSum),
		"/short":    resp(good[:len(good)-6]),
		"/notgzip":  resp([]byte("plain text, not gzip")),
	})
	c := &httpclient.Client{Loop: startLoop(t)}
	for _, path := range []string{"/checksum", "/short", "/notgzip"} {
		u, _ := url.Parse(base + path)
		_, err := send(c, &httpclient.Request{URL: u})
		var re *httpclient.ResponseError
		if !errors.Is(err, httpclient.ErrMalformedResponse) || !errors.As(err, &re) {
			t.Fatalf("Send %s: %v, want a *ResponseError matching ErrMalformedResponse", path, err)
		}
		_, _, err = get(t, c, base+path)
		if !errors.Is(err, httpclient.ErrMalformedResponse) || !errors.As(err, &re) {
			t.Fatalf("Do %s: reading the body: %v (%T), want a *ResponseError matching ErrMalformedResponse", path, err, err)
		}
	}

	// A body the connection cuts short keeps its own error.
	cut := "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 1000\r\n\r\n" + string(good[:10])
	base2 := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readRequest(br); err == nil {
			io.WriteString(c, cut)
		}
	})
	req, _ := http.NewRequest("GET", base2, nil)
	r, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(r.Body)
	r.Body.Close()
	if !errors.Is(err, httpclient.ErrTruncated) || errors.Is(err, httpclient.ErrMalformedResponse) {
		t.Fatalf("Do, body cut short: %v, want ErrTruncated", err)
	}
}
