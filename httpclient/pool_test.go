package httpclient_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// countingServer counts the connections opened and closed.
func countingServer(t *testing.T, h http.Handler) (srv *httptest.Server, opened, closed *atomic.Int32, closedCh chan struct{}) {
	opened, closed = new(atomic.Int32), new(atomic.Int32)
	closedCh = make(chan struct{}, 2000)
	srv = httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			opened.Add(1)
		case http.StateClosed, http.StateHijacked:
			closed.Add(1)
			closedCh <- struct{}{}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, opened, closed, closedCh
}

// sendAll starts n Sends at once on the loop and waits for them all.
func sendAll(t *testing.T, c *httpclient.Client, n int, mk func(i int) *httpclient.Request) []*httpclient.Response {
	t.Helper()
	fc := make(chan *future.Future[[]*httpclient.Response], 1)
	c.Loop.Post(func() {
		fs := make([]*future.Future[*httpclient.Response], n)
		for i := range fs {
			fs[i] = c.Send(mk(i))
		}
		fc <- future.All(fs...)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs, err := (<-fc).Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestIdleLimits: beyond MaxIdlePerHost, released connections close; an
// idle one closes after IdleTimeout and the next request dials again.
func TestIdleLimits(t *testing.T) {
	leakcheck.Check(t)
	block := make(chan struct{})
	var inside atomic.Int32
	srv, opened, _, closedCh := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" && inside.Add(1) <= 8 {
			<-block // hold the first 8 so that 8 connections open
		}
		io.WriteString(w, "ok")
	}))
	c := &httpclient.Client{Loop: startLoop(t), MaxIdlePerHost: 3, IdleTimeout: time.Hour}
	u, _ := url.Parse(srv.URL + "/wait")
	go func() {
		for inside.Load() < 8 {
			time.Sleep(time.Millisecond)
		}
		close(block)
	}()
	rs := sendAll(t, c, 8, func(int) *httpclient.Request { return &httpclient.Request{URL: u} })
	for _, r := range rs {
		if r.Status != 200 {
			t.Fatalf("status %d", r.Status)
		}
	}
	if n := opened.Load(); n != 8 {
		t.Fatalf("%d connections opened, want 8", n)
	}
	for range 5 {
		<-closedCh // 8 - 3 closed by the client
	}
	// The 3 kept are reused.
	for range 6 {
		if _, _, err := get(t, c, srv.URL); err != nil {
			t.Fatal(err)
		}
	}
	if n := opened.Load(); n != 8 {
		t.Fatalf("%d connections after reuse, want 8", n)
	}
	c.CloseIdleConnections()
	for range 3 {
		<-closedCh
	}
	// IdleTimeout.
	c2 := &httpclient.Client{Loop: c.Loop, IdleTimeout: 20 * time.Millisecond}
	if _, _, err := get(t, c2, srv.URL); err != nil {
		t.Fatal(err)
	}
	<-closedCh // closed by the idle timer
	before := opened.Load()
	if _, _, err := get(t, c2, srv.URL); err != nil {
		t.Fatal(err)
	}
	if opened.Load() != before+1 {
		t.Fatal("the idle-closed connection was reused")
	}
	c2.CloseIdleConnections()
}

// TestConcurrentSend1000: 1,000 requests in flight at once on one loop,
// without a bound on connections; no descriptor or goroutine is left once
// the idle ones are closed.
func TestConcurrentSend1000(t *testing.T) {
	leakcheck.Check(t)
	srv, opened, closed, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Query().Get("i"))
	}))
	c := &httpclient.Client{Loop: startLoop(t)}
	rs := sendAll(t, c, 1000, func(i int) *httpclient.Request {
		u, _ := url.Parse(srv.URL + "/?i=" + strconv.Itoa(i))
		return &httpclient.Request{URL: u}
	})
	for i, r := range rs {
		if r.Status != 200 || string(r.Body) != strconv.Itoa(i) {
			t.Fatalf("request %d: %d %q", i, r.Status, r.Body)
		}
	}
	c.CloseIdleConnections()
	srv.Close() // waits for the server's side of every connection
	if o, cl := opened.Load(), closed.Load(); o != cl || o == 0 {
		t.Fatalf("%d opened, %d closed", o, cl)
	}
}

// TestResponseBackpressure: a reader that stops reading stops the
// transfer: the server cannot write the whole body ahead of it.
func TestResponseBackpressure(t *testing.T) {
	leakcheck.Check(t)
	const total = 32 << 20
	var written atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(total))
		buf := make([]byte, 32<<10)
		for written.Load() < total {
			n, err := w.Write(buf)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	c := &httpclient.Client{Loop: startLoop(t)}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	// Let the server push what it can; with backpressure it stalls after
	// the pipe's high-water mark plus the socket buffers.
	var last int64 = -1
	for i := 0; i < 100 && written.Load() != last; i++ {
		last = written.Load()
		time.Sleep(20 * time.Millisecond)
	}
	if w := written.Load(); w >= total/2 {
		t.Fatalf("server wrote %d of %d bytes to a reader that stopped", w, total)
	}
	// Reading on gets the rest.
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n+1000 != total {
		t.Fatalf("read %d more, %v", n, err)
	}
}

// TestIdleTimerWhileBusy: the idle timer stays armed while a connection
// carries a request; firing then, it leaves the connection alone, and it
// closes it once it has been idle for the whole timeout.
func TestIdleTimerWhileBusy(t *testing.T) {
	leakcheck.Check(t)
	srv, opened, _, closedCh := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(400 * time.Millisecond) // past the idle timeout
		}
		io.WriteString(w, "ok")
	}))
	c := &httpclient.Client{Loop: startLoop(t), IdleTimeout: 200 * time.Millisecond}
	for _, path := range []string{"/", "/slow"} {
		if status, body, err := get(t, c, srv.URL+path); err != nil || status != 200 || body != "ok" {
			t.Fatalf("%s: %d %q %v", path, status, body, err)
		}
	}
	if n := opened.Load(); n != 1 {
		t.Fatalf("%d connections opened, want 1", n)
	}
	<-closedCh // closed by the idle timer once idle
	if _, _, err := get(t, c, srv.URL); err != nil {
		t.Fatal(err)
	}
	if n := opened.Load(); n != 2 {
		t.Fatalf("%d connections opened, want 2", n)
	}
	c.CloseIdleConnections()
}
