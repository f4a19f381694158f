package httpclient

import (
	"net/http"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/looptest"
)

// TestPipeTrailerAfterClose: once Do's caller has closed the body, the
// Trailer map it holds no longer changes, even when the loop is ending
// the response at that moment (the Close's cancellation still on its way
// to the loop). Before, end filled the map the caller was free to read,
// a data race on a map (found by TestTortureHostileServer under -race).
func TestPipeTrailerAfterClose(t *testing.T) {
	leakcheck.Check(t)
	l := looptest.Start(t)
	c := &Client{Loop: l}
	p := newPipe(l)
	done := make(chan struct{})
	l.Post(func() {
		c.initTrip(&p.tr, l, &Request{}, p)
		p.head(&p.tr, &Response{Status: 200, ContentLength: -1, Header: http.Header{}})
		close(done)
	})
	<-done
	p.mu.Lock()
	trailer := p.trailer // what Do hands the caller as http.Response.Trailer
	p.mu.Unlock()
	// The loop parses the last chunk and its trailer while the caller
	// closes the body: the cancellation Close posts comes after.
	gate, ended := make(chan struct{}), make(chan struct{})
	l.Post(func() {
		<-gate
		p.end(&p.tr, &Response{Trailer: http.Header{"X-Tr": {"v"}}})
		close(ended)
	})
	p.Close()
	close(gate)
	<-ended
	if len(trailer) != 0 {
		t.Fatalf("the Trailer map changed after Close: %v", trailer)
	}
}
