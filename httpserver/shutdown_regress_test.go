package httpserver_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// Found by TestTortureShutdown. A graceful shutdown took a connection
// whose responses had all been handed to the socket for an idle one and
// closed it at once, as an idle connection closes. But the client may
// not have read them yet, and may be sending its next request: closing
// a socket with input unread (or that input arriving after the close)
// makes the kernel send a reset, which destroys the part of the
// response still in the socket's buffer. A client pipelining behind a
// large response got it cut short by the shutdown it should have
// survived. Such a connection now closes lingering, as every close that
// may meet the client's input does.
func TestShutdownKeepsResponseInFlight(t *testing.T) {
	leakcheck.Check(t)
	const size = 16 << 20
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, size), 0o600); err != nil {
		t.Fatal(err)
	}
	loops := make(chan *eddy.Loop, 1)
	srv := &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		f, err := os.Open(path)
		if err != nil {
			w.WriteHeader(500)
			return
		}
		w.Header().Set("Content-Length", "16777216")
		if err := w.SendFile(f, 0, size, func() { f.Close() }); err != nil {
			f.Close()
			t.Error(err)
		}
		loops <- r.Loop()
	})}
	addr, _ := start(t, srv, 1)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(tortureWatchdog))
	conn.(*net.TCPConn).SetReadBuffer(16 << 10) // the response waits in the server's buffers
	io.WriteString(conn, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n")
	l := <-loops // the response has ended: it is all queued

	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	// Once the loop shuts down, its shutdown hooks have run.
	waitShuttingDown(l)
	// The client pipelines its next request before it reads the first
	// response.
	io.WriteString(conn, "GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != size {
		t.Errorf("response cut short by a graceful shutdown: %d of %d bytes: %v", n, size, err)
	}
	conn.Close()
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}
