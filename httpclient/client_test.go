package httpclient_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

func TestDoKeepAlive(t *testing.T) {
	leakcheck.Check(t)
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Method", r.Method)
		io.WriteString(w, "hello "+r.URL.Path)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := &httpclient.Client{Loop: startLoop(t)}
	for i := 0; i < 5; i++ {
		st, body, err := get(t, c, srv.URL+"/a")
		if err != nil || st != 200 || body != "hello /a" {
			t.Fatalf("got %d %q %v", st, body, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 5 sequential requests, want 1", n)
	}
}

func TestSendLoopAPI(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Trailer", "X-Sum")
		w.WriteHeader(201)
		w.(http.Flusher).Flush() // chunked
		w.Write(bytes.ToUpper(b))
		w.Header().Set("X-Sum", "ok")
	}))
	t.Cleanup(srv.Close)
	c := &httpclient.Client{Loop: startLoop(t)}
	u, _ := url.Parse(srv.URL + "/x")
	resp, err := send(c, &httpclient.Request{Method: "POST", URL: u, Body: []byte("abc")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 201 || string(resp.Body) != "ABC" || resp.Trailer.Get("X-Sum") != "ok" {
		t.Fatalf("got %d %q trailer %v", resp.Status, resp.Body, resp.Trailer)
	}
}

func TestGzip(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			io.WriteString(w, "plain")
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, strings.Repeat("zip", 1000))
		zw.Close()
	}))
	t.Cleanup(srv.Close)
	c := &httpclient.Client{Loop: startLoop(t)}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(b) != strings.Repeat("zip", 1000) || !resp.Uncompressed {
		t.Fatalf("got %d bytes, %v, uncompressed %v", len(b), err, resp.Uncompressed)
	}
	u, _ := url.Parse(srv.URL)
	r2, err := send(c, &httpclient.Request{URL: u})
	if err != nil || string(r2.Body) != strings.Repeat("zip", 1000) {
		t.Fatalf("Send: %v %d bytes", err, len(r2.Body))
	}
	// The caller's own Accept-Encoding disables decompression.
	r3, err := send(c, &httpclient.Request{URL: u, Header: http.Header{"Accept-Encoding": {"identity"}}})
	if err != nil || string(r3.Body) != "plain" {
		t.Fatalf("identity: %v %q", err, r3.Body)
	}
}

func TestStreamingBodies(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).EnableFullDuplex()
		w.Header().Set("X-TE", strings.Join(r.TransferEncoding, ","))
		io.Copy(w, r.Body)
	}))
	t.Cleanup(srv.Close)
	c := &httpclient.Client{Loop: startLoop(t)}
	big := bytes.Repeat([]byte("0123456789"), 200_000) // 2 MB, above the pipe's water marks
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < len(big); i += 70_000 {
			pw.Write(big[i:min(i+70_000, len(big))])
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("PUT", srv.URL, pr)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("X-TE") != "chunked" {
		t.Fatalf("request not chunked: %q", resp.Header.Get("X-TE"))
	}
	// Read slowly in small pieces: the pipe pauses the socket meanwhile.
	var got bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		got.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got.Bytes(), big) {
		t.Fatalf("echo differs: %d bytes, want %d", got.Len(), len(big))
	}
	// A known length is sent with Content-Length.
	req, _ = http.NewRequest("POST", srv.URL, strings.NewReader("sized"))
	resp2, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if string(b) != "sized" || resp2.Header.Get("X-TE") != "" {
		t.Fatalf("sized body: %q te %q", b, resp2.Header.Get("X-TE"))
	}
}

func TestBodyCloseEarly(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 100; i++ {
			if _, err := w.Write(make([]byte, 64<<10)); err != nil {
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
	io.ReadFull(resp.Body, make([]byte, 1000))
	resp.Body.Close()
	// The client still works afterwards.
	st, _, err := get(t, c, srv.URL)
	if err != nil || st != 200 {
		t.Fatalf("after close: %d %v", st, err)
	}
}

func TestConcurrent1000(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Query().Get("i"))
	}))
	t.Cleanup(srv.Close)
	c := &httpclient.Client{Loop: startLoop(t), MaxConnsPerHost: 128}
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := strconv.Itoa(i)
			st, body, err := get(t, c, srv.URL+"/?i="+want)
			if err == nil && (st != 200 || body != want) {
				err = fmt.Errorf("got %d %q want %q", st, body, want)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestContextCancel(t *testing.T) {
	leakcheck.Check(t)
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(block) })
	c := &httpclient.Client{Loop: startLoop(t)}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Do(req)
		errc <- err
	}()
	cancel()
	err := <-errc
	if !errors.Is(err, httpclient.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want a cancellation", err)
	}
}

func TestResponseHeaderTimeout(t *testing.T) {
	leakcheck.Check(t)
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		readRequest(br)
		io.Copy(io.Discard, br) // never answer
	})
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{ResponseHeader: 50 * time.Millisecond}}
	_, _, err := get(t, c, base)
	if !errors.Is(err, httpclient.ErrHeaderTimeout) {
		t.Fatalf("got %v, want ErrHeaderTimeout", err)
	}
	c2 := &httpclient.Client{Loop: c.Loop, Timeouts: httpclient.Timeouts{Request: 50 * time.Millisecond}}
	_, _, err = get(t, c2, base)
	if !errors.Is(err, httpclient.ErrRequestTimeout) {
		t.Fatalf("got %v, want ErrRequestTimeout", err)
	}
}
