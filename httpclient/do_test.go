package httpclient_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestDoResponseFields checks the *http.Response that Do builds against
// the one net/http's client gets from the same server: status line,
// protocol, and the trailers of a chunked body (nil when the body has a
// length, as net/http leaves it).
func TestDoResponseFields(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			w.Header().Set("Trailer", "X-Sum")
			w.WriteHeader(http.StatusAccepted)
			w.(http.Flusher).Flush()
			io.WriteString(w, "abc")
			w.Header().Set("X-Sum", "ok")
			return
		}
		w.WriteHeader(http.StatusNonAuthoritativeInfo)
		io.WriteString(w, "abc")
	}))
	t.Cleanup(srv.Close)
	c := &httpclient.Client{Loop: startLoop(t)}
	for _, path := range []string{"/chunked", "/length"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		want, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		wantBody, _ := io.ReadAll(want.Body)
		want.Body.Close()
		got, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(got.Body)
		got.Body.Close()
		if err != nil || string(body) != string(wantBody) {
			t.Fatalf("%s: body %q %v, want %q", path, body, err, wantBody)
		}
		if got.Status != want.Status || got.Proto != want.Proto || got.ProtoMinor != want.ProtoMinor {
			t.Errorf("%s: %q %q, want %q %q", path, got.Status, got.Proto, want.Status, want.Proto)
		}
		if got.Trailer.Get("X-Sum") != want.Trailer.Get("X-Sum") || (got.Trailer == nil) != (want.Trailer == nil) {
			t.Errorf("%s: trailer %v, want %v", path, got.Trailer, want.Trailer)
		}
	}
}
