package httpserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// onLoop runs fn on l and waits for it.
func onLoop(t *testing.T, l *eddy.Loop, fn func()) {
	t.Helper()
	done := make(chan struct{})
	if err := l.Post(func() { fn(); close(done) }); err != nil {
		t.Fatal(err)
	}
	<-done
}

// TestDiscardOverflowKeepsEarlierResponses checks that an unread request
// body too long to discard (a chunked one, whose length is not known
// when its response ends) costs only that request: the responses to the
// requests before it, still being computed, and its own are sent before
// the connection closes, and the server reads no more of the body while
// it waits for them. Before, the connection closed as soon as the
// discarded bytes passed the limit, and every response still queued on
// it was lost.
func TestDiscardOverflowKeepsEarlierResponses(t *testing.T) {
	leakcheck.Check(t)
	var slow *ResponseWriter // loop-only
	s := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		if r.Path == "/slow" {
			w.Async() // ended by the test, below
			slow = w
			return
		}
		w.WriteString("unread " + r.Path) // the body is never asked for
	})}
	addr, g := ServeForTest(t, s, 1)
	l := g.Loops()[0]

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The client sends an endless chunked body after its second
	// request, until the server closes.
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		if _, err := io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"+
			"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"); err != nil {
			return
		}
		chunk := []byte("4000\r\n" + strings.Repeat("x", 16<<10) + "\r\n")
		for {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	defer func() { c.Close(); <-wrote }()

	// Wait until the server has stopped reading the body: at once, as
	// its response says it closes (its end had not come with its head),
	// or, as before, having read more of it than it discards.
	for stopped := false; !stopped; {
		onLoop(t, l, func() {
			if slow == nil {
				return // the requests have not arrived yet
			}
			ls := s.loopState(l)
			stopped = len(ls.conns) == 0
			for sc := range ls.conns {
				if sc.closeSent || (sc.cur != nil && (sc.cur.dropped > maxDiscard || sc.cur.bstate == bodyFailed)) {
					stopped = true
				}
			}
		})
		if !stopped {
			time.Sleep(time.Millisecond)
		}
	}
	onLoop(t, l, func() {
		slow.WriteString("slow")
		slow.End()
	})

	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, want := range []string{"slow", "unread /upload"} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %q lost: %v", want, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != want {
			t.Fatalf("got %q, %v; want %q", b, err, want)
		}
		if want == "unread /upload" && !resp.Close {
			t.Fatal("the response after which the connection closes does not say so")
		}
	}
	// Then the connection closes (a reset counts: the server leaves the
	// rest of the body unread).
	n, err := io.Copy(io.Discard, br)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection not closed: %d more bytes", n)
	}
}
