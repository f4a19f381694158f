package httpclient_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestStreamCallbacks: the loop API's streaming form delivers the head,
// then the body piece by piece, pausing the connection on request.
func TestStreamCallbacks(t *testing.T) {
	leakcheck.Check(t)
	big := bytes.Repeat([]byte("stream!"), 300_000) // 2.1 MB
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-End")
		w.Write(big)
		w.Header().Set("X-End", "yes")
	}))
	t.Cleanup(srv.Close)
	c := &httpclient.Client{Loop: startLoop(t)}
	u, _ := url.Parse(srv.URL)
	var got bytes.Buffer
	var status, pauses int
	fc := make(chan *future.Future[*httpclient.Response], 1)
	c.Loop.Post(func() {
		fc <- c.Stream(&httpclient.Request{URL: u}, httpclient.StreamHandler{
			Head: func(s *httpclient.Stream, r *httpclient.Response) { status = r.Status },
			Body: func(s *httpclient.Stream, p []byte) {
				if status != 200 {
					t.Error("body before head")
				}
				got.Write(p)
				// Pause after each piece and resume on the next turn
				// of the loop.
				s.Pause()
				pauses++
				c.Loop.Post(s.Resume)
			},
		})
	})
	r, err := (<-fc).Await(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), big) || r.Body != nil || r.Trailer.Get("X-End") != "yes" || pauses < 2 {
		t.Fatalf("got %d bytes in %d pieces, trailer %v", got.Len(), pauses, r.Trailer)
	}
}
