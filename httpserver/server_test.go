package httpserver_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// start serves s on a fresh group of n loops and shuts it down at the
// end of the test.
func start(t *testing.T, s *httpserver.Server, n int, opts ...eddy.GroupOption) (string, *eddy.Group) {
	t.Helper()
	return httpserver.ServeForTest(t, s, n, opts...)
}

// testHandler routes a few test endpoints.
func testHandler() httpserver.Handler {
	return httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		switch {
		case strings.HasPrefix(r.Path, "/delay/"):
			ms, _ := strconv.Atoi(r.Path[len("/delay/"):])
			httpserver.Wait(w, r.Loop().Sleep(time.Duration(ms)*time.Millisecond), func(struct{}, error) {
				fmt.Fprintf(w, "delay %d", ms)
			})
		case r.Path == "/echo":
			r.ReadBody(8<<20, func(b []byte, err error) {
				if err != nil {
					w.WriteHeader(413)
					return
				}
				w.Header().Set("X-Trailer", r.Trailers().Get("X-T"))
				w.Write(b)
			})
		case strings.HasPrefix(r.Path, "/big/"):
			n, _ := strconv.Atoi(r.Path[len("/big/"):])
			chunk := bytes.Repeat([]byte("b"), 64<<10)
			w.Header().Set("Content-Length", strconv.Itoa(n*len(chunk)))
			w.Async()
			sent := 0
			var pump func()
			pump = func() {
				for sent < n {
					if _, err := w.Write(chunk); err != nil {
						if err == eddy.ErrQueueFull {
							w.OnWritable(pump)
						} else {
							w.End()
						}
						return
					}
					sent++
				}
				w.End()
			}
			pump()
		default:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteString("hello " + r.Path)
		}
	})
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

func readResponse(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp, string(b)
}

func accepted(g *eddy.Group) (n uint64) {
	for _, l := range g.Loops() {
		n += l.Stats().Accepted
	}
	return n
}

func TestKeepAliveNetHTTPClient(t *testing.T) {
	leakcheck.Check(t)
	addr, g := start(t, &httpserver.Server{Handler: testHandler()}, 2)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	for i := range 5 {
		resp, err := c.Get(fmt.Sprintf("http://%s/k%d", addr, i))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != fmt.Sprintf("hello /k%d", i) || resp.Header.Get("Date") == "" {
			t.Fatalf("%d %q %v", resp.StatusCode, b, resp.Header)
		}
	}
	resp, err := c.Post("http://"+addr+"/echo", "text/plain", strings.NewReader(strings.Repeat("p", 100000)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(b) != 100000 {
		t.Fatalf("echo %d bytes", len(b))
	}
	if n := accepted(g); n != 1 {
		t.Fatalf("%d connections for keep-alive requests", n)
	}
}

func TestPipeliningAsyncOutOfOrder(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler()}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "GET /delay/60 HTTP/1.1\r\nHost: x\r\n\r\nGET /delay/20 HTTP/1.1\r\nHost: x\r\n\r\nGET /delay/0 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /h HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, want := range []string{"delay 60", "delay 20", "delay 0"} {
		if _, body := readResponse(t, br, "GET"); body != want {
			t.Fatalf("got %q, want %q", body, want)
		}
	}
	resp, body := readResponse(t, br, "HEAD")
	if body != "" || resp.ContentLength != int64(len("hello /h")) {
		t.Fatalf("HEAD: %q %d", body, resp.ContentLength)
	}
}

func TestExpectContinueAndChunkedTrailers(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler()}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("%q %v", line, err)
	}
	br.ReadString('\n')
	io.WriteString(c, "5\r\nhello\r\n6\r\n world\r\n0\r\nX-T: yes\r\n\r\n")
	resp, body := readResponse(t, br, "POST")
	if body != "hello world" || resp.Header.Get("X-Trailer") != "yes" {
		t.Fatalf("%q %v", body, resp.Header)
	}
}

// expectClose reads one response with the wanted status and then the end
// of the stream.
func expectClose(t *testing.T, addr, req string, status int) {
	t.Helper()
	c, br := dial(t, addr)
	io.WriteString(c, req)
	resp, _ := readResponse(t, br, "GET")
	if resp.StatusCode != status || !resp.Close {
		t.Fatalf("%q: status %d close %v", req, resp.StatusCode, resp.Close)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("%q: after the error: %d %v", req, n, err)
	}
}

func TestSmugglingAndLimits(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler(), MaxHeaderBytes: 1024, MaxURIBytes: 256, MaxBodyBytes: 1000}, 1)
	for _, tc := range []struct {
		req    string
		status int
	}{
		{"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 5\r\n\r\nabcde", 400},
		{"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400},
		{"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: x\r\nBig: " + strings.Repeat("h", 2000) + "\r\n\r\n", 431},
		{"GET /" + strings.Repeat("u", 300) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n", 413},
	} {
		expectClose(t, addr, tc.req, tc.status)
	}
}

func TestTimeouts(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler(), ReadHeaderTimeout: 100 * time.Millisecond, IdleTimeout: 100 * time.Millisecond}, 1)
	// Header timeout on a partial head: 408 and close.
	expectClose(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n", 408)
	// Idle: closed without a response after one request.
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	readResponse(t, br, "GET")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle connection: %v", err)
	}
}

func TestGracefulShutdownInFlight(t *testing.T) {
	leakcheck.Check(t)
	g, err := eddy.NewGroup(eddy.WithLoops(1))
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	s := &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		close(started)
		httpserver.Wait(w, r.Loop().Sleep(100*time.Millisecond), func(struct{}, error) { w.WriteString("finished") })
	})}
	addr, err := s.Serve(g, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g.Start()
	idle, _ := dial(t, addr.String())
	_ = idle
	c, br := dial(t, addr.String())
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	resp, body := readResponse(t, br, "GET")
	if body != "finished" || !resp.Close {
		t.Fatalf("%q close %v", body, resp.Close)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSlowReaderDoesNotBlockOthers(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler()}, 1)
	slow, slowBr := dial(t, addr)
	io.WriteString(slow, "GET /big/256 HTTP/1.1\r\nHost: x\r\n\r\n") // 16 MiB, not read yet
	for i := range 20 {
		c, br := dial(t, addr)
		io.WriteString(c, "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, body := readResponse(t, br, "GET"); body != "hello /fast" {
			t.Fatalf("%d: %q", i, body)
		}
		c.Close()
	}
	resp, body := readResponse(t, slowBr, "GET")
	if resp.StatusCode != 200 || len(body) != 256*64<<10 {
		t.Fatalf("slow: %d bytes", len(body))
	}
}

func TestThousandConnections(t *testing.T) {
	leakcheck.Check(t)
	addr, g := start(t, &httpserver.Server{Handler: testHandler()}, 2)
	const n = 1000
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			fmt.Fprintf(c, "GET /c%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			if string(b) != fmt.Sprintf("hello /c%d", i) {
				errs <- fmt.Errorf("conn %d: %q", i, b)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if a := accepted(g); a != n {
		t.Fatalf("accepted %d", a)
	}
}

func TestWaitFuture(t *testing.T) {
	leakcheck.Check(t)
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		// A future settled from another goroutine, as a driver's would be.
		f, p := future.New[string](r.Loop())
		go func() { p.Resolve("from afar") }()
		httpserver.Wait(w, f, func(v string, err error) { w.WriteString(v) })
	})
	addr, _ := start(t, &httpserver.Server{Handler: h}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := readResponse(t, br, "GET"); body != "from afar" {
		t.Fatalf("%q", body)
	}
}
