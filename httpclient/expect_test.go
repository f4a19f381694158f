package httpclient_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestExpectContinue: the body waits for the server's 100, then goes.
func TestExpectContinue(t *testing.T) {
	leakcheck.Check(t)
	got := make(chan string, 4)
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if req.Header.Get("Expect") != "100-continue" {
				got <- "no Expect"
				return
			}
			// Nothing of the body may have arrived before the 100.
			if br.Buffered() > 0 {
				got <- "body before 100"
				return
			}
			io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n")
			b, err := io.ReadAll(req.Body)
			if err != nil {
				return
			}
			got <- string(b)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	// Never sent anyway while the server is silent.
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{ExpectContinue: -1}}
	u, _ := url.Parse(base)
	hdr := http.Header{"Expect": {"100-continue"}}
	r, err := send(c, &httpclient.Request{Method: "PUT", URL: u, Header: hdr, Body: []byte("fixed body")})
	if err != nil || r.Status != 200 || string(r.Body) != "ok" {
		t.Fatalf("Send: %v %+v", err, r)
	}
	if b := <-got; b != "fixed body" {
		t.Fatalf("server got %q", b)
	}
	req, _ := http.NewRequest("POST", base, io.MultiReader(strings.NewReader("streamed "), strings.NewReader("body")))
	req.Header.Set("Expect", "100-continue")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if b := <-got; b != "streamed body" || resp.StatusCode != 200 {
		t.Fatalf("server got %q, status %d", b, resp.StatusCode)
	}
}

// TestExpectRejected: a final status instead of 100 means the body is
// never sent, and the connection is not reused.
func TestExpectRejected(t *testing.T) {
	leakcheck.Check(t)
	rest := make(chan int, 4)
	for _, status := range []string{"417 Expectation Failed", "413 Content Too Large"} {
		base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 "+status+"\r\nContent-Length: 4\r\n\r\nnope")
			// The client closes the connection without sending the body.
			b, _ := io.ReadAll(br)
			rest <- len(b)
		})
		c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{ExpectContinue: -1}}
		u, _ := url.Parse(base)
		hdr := http.Header{"Expect": {"100-continue"}}
		r, err := send(c, &httpclient.Request{Method: "PUT", URL: u, Header: hdr, Body: []byte("should not be sent")})
		if err != nil || r.Status/100 != 4 || string(r.Body) != "nope" {
			t.Fatalf("%s: %v %+v", status, err, r)
		}
		if n := <-rest; n != 0 {
			t.Fatalf("%s: %d body bytes sent after a refusal", status, n)
		}
		req, _ := http.NewRequest("PUT", base, strings.NewReader("streamed, not sent"))
		req.Header.Set("Expect", "100-continue")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if n := <-rest; n != 0 || resp.StatusCode/100 != 4 {
			t.Fatalf("Do %s: %d body bytes sent, status %d", status, n, resp.StatusCode)
		}
	}
}

// TestExpectContinueTimeout: a server that never answers 100 gets the
// body after Timeouts.ExpectContinue.
func TestExpectContinueTimeout(t *testing.T) {
	leakcheck.Check(t)
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		b, _ := io.ReadAll(req.Body)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+itoa(len(b))+"\r\n\r\n"+string(b))
	})
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{ExpectContinue: 20e6}}
	u, _ := url.Parse(base)
	r, err := send(c, &httpclient.Request{Method: "PUT", URL: u, Header: http.Header{"Expect": {"100-continue"}}, Body: []byte("late")})
	if err != nil || string(r.Body) != "late" {
		t.Fatalf("%v %+v", err, r)
	}
}
