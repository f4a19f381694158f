package httpclient_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
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

// closeCounter is a request body that counts its Close calls.
type closeCounter struct {
	io.Reader
	closed atomic.Int32
}

func (b *closeCounter) Close() error { b.closed.Add(1); return nil }

// TestDoClosesBodyOnError: Do closes the request body when it fails
// before any exchange starts (no loop, a GetBody that fails, a call on a
// loop), as net/http's Client.Do does, so that a caller's file or pipe is
// not left open.
func TestDoClosesBodyOnError(t *testing.T) {
	leakcheck.Check(t)
	mk := func() (*http.Request, *closeCounter) {
		b := &closeCounter{Reader: strings.NewReader("body")}
		req, err := http.NewRequest("POST", "http://127.0.0.1:1/", b)
		if err != nil {
			t.Fatal(err)
		}
		return req, b
	}
	req, b := mk()
	if _, err := (&httpclient.Client{}).Do(req); !errors.Is(err, httpclient.ErrNoLoop) || b.closed.Load() != 1 {
		t.Fatalf("no loop: %v, body closed %d times", err, b.closed.Load())
	}
	req, b = mk()
	req.ContentLength = 4
	req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("no replay") }
	c := &httpclient.Client{Loop: startLoop(t)}
	if _, err := c.Do(req); err == nil || b.closed.Load() != 1 {
		t.Fatalf("GetBody failing: %v, body closed %d times", err, b.closed.Load())
	}
	req, b = mk()
	done := make(chan error, 1)
	c.Loop.Post(func() { _, err := c.Do(req); done <- err })
	if err := <-done; !errors.Is(err, future.ErrAwaitOnLoop) || b.closed.Load() != 1 {
		t.Fatalf("on the loop: %v, body closed %d times", err, b.closed.Load())
	}
}

// stuckReader breaks io.Reader's contract: it returns nothing, and no
// error, for ever.
type stuckReader struct{ reads atomic.Int64 }

func (r *stuckReader) Read([]byte) (int, error) { r.reads.Add(1); return 0, nil }

// TestDoBodyNoProgress sends a body whose reader returns nothing and no
// error for ever: Do must give up with io.ErrNoProgress, as bufio does,
// instead of spinning a goroutine on it.
func TestDoBodyNoProgress(t *testing.T) {
	leakcheck.Check(t)
	addr := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		io.Copy(io.Discard, br) // read whatever comes, answer nothing
	})
	c := &httpclient.Client{Loop: startLoop(t)}
	r := &stuckReader{}
	req, err := http.NewRequest("POST", addr+"/", io.NopCloser(r))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = c.Do(req.WithContext(ctx))
	if !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("Do: %v after %d reads, want io.ErrNoProgress", err, r.reads.Load())
	}
}

// TestUserInfoIsBasicAuth: user info in the URL is sent as Basic
// credentials, as net/http's Client sends it, unless the request sets
// Authorization itself.
func TestUserInfoIsBasicAuth(t *testing.T) {
	leakcheck.Check(t)
	addr := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		for {
			req, err := readRequest(br)
			if err != nil {
				return
			}
			v := req.Header.Get("Authorization")
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(v), v)
		}
	})
	c := &httpclient.Client{Loop: startLoop(t)}
	u := strings.Replace(addr, "http://", "http://alice:s%20cret@", 1) + "/"
	for _, tc := range []struct{ set, want string }{
		{"", "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s cret"))},
		{"Bearer tok", "Bearer tok"},
	} {
		req, err := http.NewRequest("GET", u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.set != "" {
			req.Header.Set("Authorization", tc.set)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != tc.want {
			t.Errorf("Authorization %q, want %q", b, tc.want)
		}
	}
}
