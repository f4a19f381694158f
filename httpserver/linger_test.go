package httpserver_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestCloseWithUnreadBodyKeepsResponse sends a request whose 1 MiB body
// the handler never reads, and answers it with 4 MiB. The server reads
// no more of a body that long and closes the connection after the
// response; closing a socket with unread input makes the kernel send a
// reset, which destroys whatever part of the response it has not yet
// transmitted. The client reads only once the server has had time to
// close, so the response must have survived in full: the server shuts
// down its writing side, drops what the client still sends, and closes
// when the client does (a lingering close, as net/http and nginx do).
func TestCloseWithUnreadBodyKeepsResponse(t *testing.T) {
	leakcheck.Check(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16)
	s := &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(big) // the request's body is never asked for
	})}
	addr, _ := start(t, s, 1)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const bodyLen = 1 << 20
	wrote := make(chan error, 1)
	go func() {
		_, err := io.WriteString(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n"+strings.Repeat("b", bodyLen))
		wrote <- err
	}()
	// Let the server answer and close before anything is read.
	time.Sleep(300 * time.Millisecond)
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
	<-wrote // done, or failed once the connection closed: either is fine
}
