package httpserver_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// hijackEcho switches to a line-echo protocol through http.Hijacker, as
// WebSocket libraries for net/http do: it writes its own 101, then
// echoes each line, upper-cased, until the client closes.
func hijackEcho(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrHijacked) {
			t.Errorf("Write after Hijack: %v, want http.ErrHijacked", err)
		}
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		for {
			line, err := brw.ReadString('\n')
			if err != nil {
				return
			}
			brw.WriteString(strings.ToUpper(line))
			brw.Flush()
		}
	}
}

const upgradeReq = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"

// expectEcho reads the 101 and checks the echo of lines, the first of
// which the caller may have sent with the request.
func expectEcho(t *testing.T, c net.Conn, br *bufio.Reader, sent string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("switch: %v %v", resp, err)
	}
	if sent != "" {
		if got, err := br.ReadString('\n'); err != nil || got != strings.ToUpper(sent) {
			t.Fatalf("echo of the bytes sent with the request: %q %v", got, err)
		}
	}
	for _, line := range []string{"one\n", "two\n"} {
		io.WriteString(c, line)
		if got, err := br.ReadString('\n'); err != nil || got != strings.ToUpper(line) {
			t.Fatalf("echo: %q %v, want %q", got, err, strings.ToUpper(line))
		}
	}
}

// A net/http handler can take its connection with Hijack; the bytes the
// client sent right after the request reach it. With a pool of one
// worker, two hijacked connections are served at once: a hijacked
// handler leaves the pool.
func TestStdHijack(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(hijackEcho(t))}, 1,
		eddy.WithLoopOptions(eddy.WithWorkers(1)))
	c1, br1 := dial(t, addr)
	io.WriteString(c1, upgradeReq+"early\n")
	expectEcho(t, c1, br1, "early\n")
	c2, br2 := dial(t, addr)
	io.WriteString(c2, upgradeReq)
	expectEcho(t, c2, br2, "")
	expectEcho2 := func(c net.Conn, br *bufio.Reader) {
		io.WriteString(c, "again\n")
		if got, err := br.ReadString('\n'); err != nil || got != "AGAIN\n" {
			t.Fatalf("first connection after the second switched: %q %v", got, err)
		}
	}
	expectEcho2(c1, br1)
	c1.Close()
	c2.Close()
}

// httputil.ReverseProxy switches protocols through Hijack: an upgrade
// proxied by eddy to a net/http backend works end to end.
func TestStdHijackReverseProxy(t *testing.T) {
	leakcheck.Check(t)
	backend := httptest.NewServer(hijackEcho(t))
	defer backend.Close()
	u, _ := url.Parse(backend.URL)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(httputil.NewSingleHostReverseProxy(u))}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, upgradeReq)
	expectEcho(t, c, br, "")
	c.Close()
}

// Hijack refuses a response that has begun and a connection whose
// client has already sent the next request, with ErrNotHijackable; the
// response then goes on as usual.
func TestStdHijackRefused(t *testing.T) {
	leakcheck.Check(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/begun":
			w.WriteHeader(202)
		case "/second":
			io.WriteString(w, "still here")
			return
		}
		_, _, err := w.(http.Hijacker).Hijack()
		if !errors.Is(err, httpserver.ErrNotHijackable) {
			t.Errorf("%s: Hijack: %v, want ErrNotHijackable", r.URL.Path, err)
		}
		io.WriteString(w, "still here")
	})
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(h)}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "GET /begun HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 202 || body != "still here" {
		t.Fatalf("begun: %d %q", resp.StatusCode, body)
	}
	// Two requests in one write: the second is parsed before the first
	// handler runs.
	io.WriteString(c, "GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n")
	for range 2 {
		if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || body != "still here" {
			t.Fatalf("pipelined: %d %q", resp.StatusCode, body)
		}
	}
}

// A Hijack waiting for the response to an earlier pipelined request
// does not wait for ever when the connection fails first: it returns
// ErrConnClosed, or, if the server handed the connection over before it
// saw the failure, a connection whose reads fail.
func TestStdHijackConnGoneBeforeSwitch(t *testing.T) {
	leakcheck.Check(t)
	waiting := make(chan struct{})
	got := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			close(waiting)
			// More than the socket buffers hold: the client reads
			// nothing, so this response is still being sent when it
			// resets the connection.
			w.Write(make([]byte, 16<<20))
			return
		}
		<-waiting
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			// Handed over before the server saw the failure: the
			// connection is dead.
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, rerr := conn.Read(make([]byte, 1)); rerr == nil || errors.Is(rerr, os.ErrDeadlineExceeded) {
				err = fmt.Errorf("read from the hijacked connection: %v, want an error at once", rerr)
			} else {
				err = httpserver.ErrConnClosed
			}
			conn.Close()
		}
		got <- err
	})
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(h)}, 1)
	c, _ := dial(t, addr)
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"+upgradeReq)
	<-waiting
	time.Sleep(100 * time.Millisecond) // let the Hijack reach the loop
	c.(*net.TCPConn).SetLinger(0)
	c.Close() // a reset, which the server's next write finds
	select {
	case err := <-got:
		if !errors.Is(err, httpserver.ErrConnClosed) {
			t.Errorf("Hijack: %v, want ErrConnClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Hijack still waiting 10 s after the connection failed")
	}
}

// A forward proxy written for net/http answers CONNECT by hijacking the
// connection and joining it to the target: the bytes the client sends
// after the 200 are tunnel data, never parsed as requests.
func TestStdHijackConnectTunnel(t *testing.T) {
	leakcheck.Check(t)
	target, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	go func() {
		c, err := target.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(struct{ io.Writer }{c}, struct{ io.Reader }{c}) // echo, without splice
	}()
	proxy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "CONNECT" {
			http.Error(w, "CONNECT only", 405)
			return
		}
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer up.Close()
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
		done := make(chan struct{})
		// Plain copies: a splice between two sockets would leave a
		// pipe pair cached for the process, which the leak check would
		// count.
		go func() {
			io.Copy(conn, struct{ io.Reader }{up})
			close(done)
		}()
		io.Copy(struct{ io.Writer }{up}, brw) // buffered bytes first
		up.(*net.TCPConn).CloseWrite()
		<-done
	})
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(proxy)}, 1)
	c, br := dial(t, addr)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	// The tunnel's first bytes come in the same write as the CONNECT:
	// they look like a request, and must reach the target as they are.
	early := "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	io.WriteString(c, "CONNECT "+target.Addr().String()+" HTTP/1.1\r\nHost: "+target.Addr().String()+"\r\n\r\n"+early)
	resp, err := http.ReadResponse(br, &http.Request{Method: "CONNECT"})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	got := make([]byte, len(early))
	if _, err := io.ReadFull(br, got); err != nil || string(got) != early {
		t.Fatalf("tunnel echo: %q %v, want %q", got, err, early)
	}
	io.WriteString(c, "more")
	got = got[:4]
	if _, err := io.ReadFull(br, got); err != nil || string(got) != "more" {
		t.Fatalf("tunnel echo: %q %v", got, err)
	}
	c.(*net.TCPConn).CloseWrite()
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Fatalf("after the client's half-close: %q %v, want a clean end", rest, err)
	}
}
