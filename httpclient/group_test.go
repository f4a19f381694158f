package httpclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestGroup: a client on a Group spreads Do over its loops, and Send
// works on any of them; off a loop, Send fails with eddy.ErrNotOnLoop.
func TestGroup(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewServer(hostEcho())
	t.Cleanup(srv.Close)
	g, err := eddy.NewGroup(eddy.WithLoops(2))
	if err != nil {
		t.Fatal(err)
	}
	g.Start()
	t.Cleanup(func() { g.Stop(); g.Wait() })
	c := &httpclient.Client{Group: g}
	for range 4 {
		if st, _, err := get(t, c, srv.URL+"/g"); err != nil || st != 200 {
			t.Fatalf("Do: %d %v", st, err)
		}
	}
	u, _ := url.Parse(srv.URL + "/s")
	for _, l := range g.Loops() {
		fc := make(chan *future.Future[*httpclient.Response], 1)
		l.Post(func() { fc <- c.Send(&httpclient.Request{URL: u}) })
		if r, err := (<-fc).Await(context.Background()); err != nil || r.Status != 200 {
			t.Fatalf("Send: %v", err)
		}
	}
	if _, err := c.Send(&httpclient.Request{URL: u}).Await(context.Background()); !errors.Is(err, eddy.ErrNotOnLoop) {
		t.Fatalf("Send off the loop: %v", err)
	}
	c.CloseIdleConnections()
	if _, err := (&httpclient.Client{}).Do(&http.Request{URL: u}); !errors.Is(err, httpclient.ErrNoLoop) {
		t.Fatalf("no loop: %v", err)
	}
}
