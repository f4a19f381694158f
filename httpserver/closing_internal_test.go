package httpserver

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestClosingConnReadsNoMore pipelines two requests: the first is
// answered with 4 MiB and "Connection: close" to a client that does not
// read yet, so the connection waits for that output to go before it
// closes; the second, already parsed, ends later (it is never sent). Its
// end must not start reading again: nothing more is parsed on a closing
// connection, so what the client goes on sending would pile up in the
// connection's read buffer until it overflowed and failed the
// connection, cutting the first response short.
func TestClosingConnReadsNoMore(t *testing.T) {
	leakcheck.Check(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16)
	var first, second *ResponseWriter // loop-only
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.Async() // both answered by the test, below
		if r.Path == "/second" {
			second = w
		} else {
			first = w
		}
	})}
	addr, g := ServeForTest(t, s, 1)
	l := g.Loops()[0]
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	for parsed := false; !parsed; {
		onLoop(t, l, func() { parsed = second != nil })
		if !parsed {
			time.Sleep(time.Millisecond)
		}
	}
	onLoop(t, l, func() {
		first.Header().Set("Connection", "close")
		first.Write(big)
		first.End()
	})
	for closing := false; !closing; {
		onLoop(t, l, func() {
			for sc := range s.loopState(l).conns {
				closing = sc.closeSent
			}
		})
		if !closing {
			time.Sleep(time.Millisecond)
		}
	}
	onLoop(t, l, func() { second.End() })
	// The client goes on sending (garbage that would never be parsed),
	// more than the connection's read buffer holds, before it reads.
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		junk := []byte(strings.Repeat("j", 64<<10))
		for sent := 0; sent < 8<<20; sent += len(junk) {
			if _, err := c.Write(junk); err != nil {
				return
			}
		}
	}()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the response head: %v", err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("response: %d of %d bytes, %v", len(got), len(big), err)
	}
	c.Close()
	<-wrote
}
