package httpserver_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// Found by TestTorture. A response that closes the connection after it
// (here one TimeoutHandler cuts short) leaves the responses pipelined
// behind it in the queue; when one of those ended later, advance went on
// popping them, as if the connection still served: a SendFile region
// queued behind the closing response was dropped, and its done (which
// closes the file) never called.
func TestResponsesBehindClosingOneStayUnsent(t *testing.T) {
	leakcheck.Check(t)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte(strings.Repeat("f", 20000)), 0o600); err != nil {
		t.Fatal(err)
	}
	var opened, closed atomic.Int64
	laterEnded := make(chan struct{})
	stream := httpserver.TimeoutHandler(httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.WriteString("part")
		w.Flush()
		httpserver.Wait(w, r.Loop().Sleep(time.Hour), func(struct{}, error) {})
	}), 10*time.Millisecond, "tmo")
	srv := &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		switch r.Path {
		case "/stream": // cut short by its timeout: the connection closes after it
			stream.ServeHTTP(w, r)
		case "/file": // ends at once, queued behind /stream
			f, err := os.Open(path)
			if err != nil {
				t.Error(err)
				return
			}
			opened.Add(1)
			if err := w.SendFile(f, 0, 20000, func() { f.Close(); closed.Add(1) }); err != nil {
				t.Error(err)
			}
		case "/later": // ends once /stream has been cut
			w.Async()
			r.Loop().AfterFunc(50*time.Millisecond, func() {
				w.WriteString("later")
				w.End()
				close(laterEnded)
			})
		}
	})}
	addr, _ := start(t, srv, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\nGET /file HTTP/1.1\r\nHost: x\r\n\r\nGET /later HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(resp.Body); err == nil || string(b) != "part" {
		t.Fatalf("/stream not cut short: %q, %v", b, err)
	}
	// The server has closed its side; the connection stays open until
	// the client closes, and /later ends in the meantime.
	expectEOF(t, c, br)
	select {
	case <-laterEnded:
	case <-time.After(10 * time.Second):
		t.Fatal("/later never ended")
	}
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if o, cl := opened.Load(), closed.Load(); o != 1 || cl != 1 {
		t.Fatalf("%d files opened, %d closed: SendFile's done not called", o, cl)
	}
}
