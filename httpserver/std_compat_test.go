package httpserver_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// These tests run the same net/http handler under net/http's own server
// and under eddy's through Std, and compare what a client sees.

// pingPath answers "pong" on both servers, so that a second request
// tells whether the connection was kept.
const pingPath = "/__ping"

// noteFunc records something the handler saw, for comparison.
type noteFunc func(format string, args ...any)

// bothServers serves h on net/http (httptest) and on eddy through Std.
// The handler's notes, and the end of each call, arrive on the returned
// channel.
func bothServers(t *testing.T, h func(w http.ResponseWriter, r *http.Request, note noteFunc)) (netAddr, eddyAddr string, notes chan string) {
	t.Helper()
	notes = make(chan string, 64)
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == pingPath {
			io.WriteString(w, "pong")
			return
		}
		defer func() { notes <- "\x00done" }()
		h(w, r, func(format string, args ...any) { notes <- fmt.Sprintf(format, args...) })
	})
	ts := httptest.NewUnstartedServer(wrapped)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.Start()
	t.Cleanup(ts.Close)
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(wrapped)}, 1)
	return ts.Listener.Addr().String(), addr, notes
}

// seen is what a client saw of one exchange, and what the handler noted.
type seen struct {
	Interim []string // 1xx responses: status and fields
	Status  int
	Header  http.Header // without Date
	TE      []string
	Body    string
	BodyErr string
	Trailer http.Header
	Reused  bool // a second request on the connection was answered
	Notes   []string
}

func (s seen) String() string {
	body := s.Body
	if len(body) > 100 {
		body = fmt.Sprintf("%s... (%d bytes)", body[:100], len(body))
	}
	return fmt.Sprintf("interim %q\nstatus %d\nheader %v\nTE %v\nbody %q (err %q)\ntrailer %v\nreused %v\nnotes %q",
		s.Interim, s.Status, s.Header, s.TE, body, s.BodyErr, s.Trailer, s.Reused, s.Notes)
}

// exchange sends raw on a new connection to addr and reads the answer.
func exchange(t *testing.T, addr string, notes chan string, raw string) seen {
	t.Helper()
	return exchangeOpt(t, addr, notes, raw, true)
}

// exchangeOpt is exchange that waits for the handler to return only if
// called is true.
func exchangeOpt(t *testing.T, addr string, notes chan string, raw string, called bool) seen {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second)) // a hang fails, not blocks
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(raw, " ")
	br := bufio.NewReader(c)
	var s seen
	var resp *http.Response
	for {
		resp, err = http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			s.BodyErr = "no response: " + err.Error()
			break
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != 101 {
			resp.Header.Del("Date")
			s.Interim = append(s.Interim, fmt.Sprintf("%d %v", resp.StatusCode, resp.Header))
			continue
		}
		break
	}
	if resp != nil && err == nil {
		s.Status = resp.StatusCode
		resp.Header.Del("Date")
		s.Header = resp.Header
		s.TE = resp.TransferEncoding
		b, err := io.ReadAll(resp.Body)
		s.Body = string(b)
		if err != nil {
			s.BodyErr = err.Error()
		}
		s.Trailer = resp.Trailer
		if err == nil && !resp.Close {
			io.WriteString(c, "GET "+pingPath+" HTTP/1.1\r\nHost: x\r\n\r\n")
			if pr, err := http.ReadResponse(br, nil); err == nil {
				pb, _ := io.ReadAll(pr.Body)
				s.Reused = string(pb) == "pong"
			}
		}
	}
	local := c.LocalAddr().String()
	for called {
		select {
		case n := <-notes:
			if n == "\x00done" {
				return s
			}
			s.Notes = append(s.Notes, strings.ReplaceAll(n, local, "CLIENT"))
		case <-time.After(10 * time.Second):
			t.Fatalf("handler did not return; so far:\n%v", s)
		}
	}
	select {
	case n := <-notes:
		t.Fatalf("handler called: %q", n)
	default:
	}
	return s
}

// compareStd runs raw against both servers and fails on a difference.
func compareStd(t *testing.T, raw string, called bool, adjust func(*seen), h func(w http.ResponseWriter, r *http.Request, note noteFunc)) (std, eddy seen) {
	t.Helper()
	netAddr, eddyAddr, notes := bothServers(t, h)
	std = exchangeOpt(t, netAddr, notes, raw, called)
	eddy = exchangeOpt(t, eddyAddr, notes, raw, called)
	if adjust != nil {
		adjust(&eddy)
	}
	if !reflect.DeepEqual(std, eddy) {
		t.Errorf("net/http saw:\n%v\n\neddy saw:\n%v", std, eddy)
	}
	return std, eddy
}

const getRaw = "GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n"

func TestStdCompat(t *testing.T) {
	bigFile := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(bigFile, bytes.Repeat([]byte("0123456789abcdef"), 8<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	// net/http answers these without the handler.
	notCalled := map[string]bool{"OptionsStar": true}
	// These turn a documented difference of eddy's into net/http's.
	adjust := map[string]func(*seen){
		"MaxBytesReader": func(s *seen) {
			// Std cannot see MaxBytesReader's hook, and keeps a
			// connection whose small body it could drop.
			s.Reused = false
		},
		"HeadLargeBody": func(s *seen) {
			// eddy frames a long HEAD response as it would the GET:
			// chunked, with no chunk sent. net/http names no framing.
			if slices.Equal(s.TE, []string{"chunked"}) {
				s.TE = nil
			}
		},
	}
	cases := []struct {
		name string
		raw  string
		h    func(w http.ResponseWriter, r *http.Request, note noteFunc)
	}{
		{"SniffHTML", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			io.WriteString(w, "<html><body>hi</body></html>")
		}},
		{"SniffPieces", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			// net/http sniffs the buffered bytes, not the first write.
			io.WriteString(w, "<ht")
			io.WriteString(w, "ml><body>hi</body></html>")
		}},
		{"SniffPNG", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Write([]byte("\x89PNG\x0D\x0A\x1A\x0A rest"))
		}},
		{"SniffSuppressed", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header()["Content-Type"] = nil
			io.WriteString(w, "<html></html>")
		}},
		{"SniffNotWithEncoding", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header().Set("Content-Encoding", "identity")
			io.WriteString(w, "<html></html>")
		}},
		{"SniffNoBody", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.WriteHeader(202)
		}},
		{"SniffLarge", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			for range 64 {
				io.WriteString(w, "<html>"+strings.Repeat("a", 16<<10))
			}
		}},
		{"ContentLengthOver", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header().Set("Content-Length", "5")
			n, err := io.WriteString(w, "0123456789")
			note("write %d %v", n, errors.Is(err, http.ErrContentLength))
		}},
		{"ContentLengthOverLater", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header().Set("Content-Length", "5")
			n, err := io.WriteString(w, "012")
			note("write %d %v", n, err)
			n, err = io.WriteString(w, "345")
			note("write %d %v", n, errors.Is(err, http.ErrContentLength))
		}},
		{"ContentLengthUnder", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header().Set("Content-Length", "10")
			n, err := io.WriteString(w, "01234")
			note("write %d %v", n, err)
		}},
		{"BodyNotAllowed", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.WriteHeader(204)
			n, err := io.WriteString(w, "x")
			note("write %d %v", n, errors.Is(err, http.ErrBodyNotAllowed))
		}},
		{"SmallBodyLength", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, strings.Repeat("s", 1000))
		}},
		{"LargeBodyChunked", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header().Set("Content-Type", "text/plain")
			for range 32 {
				io.WriteString(w, strings.Repeat("L", 32<<10))
			}
		}},
		{"WriteHeaderTwice", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.WriteHeader(201)
			w.WriteHeader(202)
			io.WriteString(w, "created")
		}},
		{"EarlyHints", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header().Add("Link", "</style.css>; rel=preload; as=style")
			w.WriteHeader(103)
			w.Header().Add("Link", "</script.js>; rel=preload; as=script")
			w.WriteHeader(103)
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "final")
		}},
		{"Continue100ByHandler", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.WriteHeader(100)
			io.WriteString(w, "after 100")
		}},
		{"TrailerDeclared", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header().Set("Trailer", "X-Sum")
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "body")
			w.Header().Set("X-Sum", "abc")
		}},
		{"TrailerPrefix", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			// Flushed: net/http drops such trailers from a body it
			// sends with a Content-Length (documented difference).
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "body")
			w.(http.Flusher).Flush()
			w.Header().Set(http.TrailerPrefix+"X-Late", "v")
		}},
		{"ReaderFromFile", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			f, err := os.Open(bigFile)
			if err != nil {
				note("%v", err)
				return
			}
			defer f.Close()
			n, err := io.Copy(w, f)
			note("copied %d %v", n, err)
		}},
		{"ReaderFromFileLength", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			f, err := os.Open(bigFile)
			if err != nil {
				note("%v", err)
				return
			}
			defer f.Close()
			fi, _ := f.Stat()
			w.Header().Set("Content-Length", fmt.Sprint(fi.Size()))
			n, err := io.Copy(w, f)
			note("copied %d %v", n, err)
		}},
		{"HeadSmallBody", "HEAD /x HTTP/1.1\r\nHost: example.com\r\n\r\n", func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			n, err := io.WriteString(w, "<html>hello</html>")
			note("write %d %v", n, err)
		}},
		{"HeadLargeBody", "HEAD /x HTTP/1.1\r\nHost: example.com\r\n\r\n", func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header().Set("Content-Type", "text/plain")
			for range 8 {
				io.WriteString(w, strings.Repeat("h", 8<<10))
			}
		}},
		{"InvalidCode", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			defer func() { note("%v", recover()) }()
			w.WriteHeader(1000)
		}},
		{"HeadWithLength", "HEAD /x HTTP/1.1\r\nHost: example.com\r\n\r\n", func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header().Set("Content-Length", "1000")
		}},
		{"MaxBytesReader", "POST /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 100\r\n\r\n" + strings.Repeat("m", 100),
			func(w http.ResponseWriter, r *http.Request, note noteFunc) {
				body := http.MaxBytesReader(w, r.Body, 10)
				b, err := io.ReadAll(body)
				var mbe *http.MaxBytesError
				note("read %d %v", len(b), errors.As(err, &mbe))
				http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			}},
		{"AbsoluteForm", "GET http://example.com/a/b?c=d HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\n\r\n", noteRequest},
		{"AbsoluteFormOtherHost", "GET http://other.example/a HTTP/1.1\r\nHost: example.com\r\n\r\n", noteRequest},
		{"OptionsStar", "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n", noteRequest},
		{"ConnectionClose", "GET /c HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n", noteRequest},
		{"HTTP10", "GET /old HTTP/1.0\r\nHost: example.com\r\n\r\n", noteRequest},
		{"HTTP10KeepAlive", "GET /old HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n", noteRequest},
		{"ChunkedBody", "POST /up HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n5\r\nhello\r\n0\r\nX-T: tv\r\n\r\n", noteRequest},
		{"LengthBody", "POST /up HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello", noteRequest},
		{"TrailerWithoutChunked", "POST /up HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nTrailer: X-T\r\n\r\nhello", noteRequest},
		{"ExpectContinueRead", "POST /up HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello", noteRequest},
		{"ExpectContinueUnread", "POST /up HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			io.WriteString(w, "not reading")
		}},
		{"AbortHandlerUnsent", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "partial")
			panic(http.ErrAbortHandler)
		}},
		{"AbortHandlerFlushed", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}},
		{"LocalAddrContext", getRaw, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
			a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
			note("local addr %v %v", ok, ok && strings.HasPrefix(a.String(), "127.0.0.1:"))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leakcheck.Check(t)
			compareStd(t, tc.raw, !notCalled[tc.name], adjust[tc.name], tc.h)
		})
	}
}

// noteRequest notes what a handler sees of its request.
func noteRequest(w http.ResponseWriter, r *http.Request, note noteFunc) {
	note("method %s proto %s %d.%d", r.Method, r.Proto, r.ProtoMajor, r.ProtoMinor)
	note("url %q scheme %q host %q path %q rawpath %q query %q opaque %q", r.URL.String(), r.URL.Scheme, r.URL.Host, r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.URL.Opaque)
	note("host %q requestURI %q remote %s tls %v", r.Host, r.RequestURI, r.RemoteAddr, r.TLS != nil)
	note("close %v contentLength %d transferEncoding %q", r.Close, r.ContentLength, r.TransferEncoding)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range r.Header {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		note("header %s: %q", k, r.Header[k])
	}
	note("trailer before %v", r.Trailer)
	b, err := io.ReadAll(r.Body)
	note("body %q %v", b, err)
	note("trailer after %v", r.Trailer)
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "ok")
}

// A net/http handler that flushes gets its first chunk to the client
// before it ends, on both servers.
func TestStdCompatFlushIncremental(t *testing.T) {
	leakcheck.Check(t)
	release := make(chan struct{}, 1)
	netAddr, eddyAddr, notes := bothServers(t, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, "second\n")
	})
	for _, addr := range []string{netAddr, eddyAddr} {
		resp, err := http.Get("http://" + addr + "/x")
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(resp.Body)
		first, err := br.ReadString('\n')
		if first != "first\n" || err != nil {
			t.Fatalf("%s: first chunk %q %v", addr, first, err)
		}
		release <- struct{}{}
		rest, err := io.ReadAll(br)
		resp.Body.Close()
		if string(rest) != "second\n" || err != nil || len(resp.TransferEncoding) == 0 {
			t.Fatalf("%s: rest %q %v %v", addr, rest, err, resp.TransferEncoding)
		}
		if n := <-notes; n != "\x00done" {
			t.Fatal(n)
		}
	}
	http.DefaultClient.CloseIdleConnections()
}

// The request's context ends when the client goes away while the
// handler runs, on both servers.
func TestStdCompatContextCancelOnDisconnect(t *testing.T) {
	leakcheck.Check(t)
	netAddr, eddyAddr, notes := bothServers(t, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
		note("started")
		<-r.Context().Done()
		note("ctx %v", r.Context().Err())
	})
	for _, addr := range []string{netAddr, eddyAddr} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, getRaw)
		if n := <-notes; n != "started" {
			t.Fatal(n)
		}
		c.Close()
		select {
		case n := <-notes:
			if n != "ctx context canceled" {
				t.Fatalf("%s: %s", addr, n)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: context not cancelled", addr)
		}
		<-notes // done
	}
}

// What Std's ResponseWriter supports through http.ResponseController:
// Flush, EnableFullDuplex and the deadlines work; Hijack fails with an
// error matching http.ErrNotSupported rather than panic.
func TestStdResponseController(t *testing.T) {
	leakcheck.Check(t)
	got := make(chan []string, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		var out []string
		res := func(name string, err error) {
			out = append(out, fmt.Sprintf("%s %v %v", name, err == nil, errors.Is(err, http.ErrNotSupported)))
		}
		res("full duplex", rc.EnableFullDuplex())
		res("read deadline", rc.SetReadDeadline(time.Now().Add(time.Hour)))
		res("write deadline", rc.SetWriteDeadline(time.Now().Add(time.Hour)))
		io.WriteString(w, "x")
		res("flush", rc.Flush())
		_, _, err := rc.Hijack()
		res("hijack", err)
		_, ok := w.(http.Hijacker)
		out = append(out, fmt.Sprintf("hijacker %v", ok))
		got <- out
	})
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(h)}, 1)
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	want := []string{
		"full duplex true false",
		"read deadline true false",
		"write deadline true false",
		"flush true false",
		"hijack false false", // ErrNotHijackable: the response has begun
		"hijacker true",
	}
	if out := <-got; !slices.Equal(out, want) {
		t.Fatalf("got %q\nwant %q", out, want)
	}
}

// A body read after the handler returned fails at once with
// http.ErrBodyReadAfterClose, as with net/http, rather than blocking.
func TestStdCompatBodyAfterReturn(t *testing.T) {
	leakcheck.Check(t)
	bodies := make(chan io.Reader, 1)
	netAddr, eddyAddr, notes := bothServers(t, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
		bodies <- r.Body
		io.WriteString(w, "ok")
	})
	for _, addr := range []string{netAddr, eddyAddr} {
		resp, err := http.Post("http://"+addr+"/x", "text/plain", strings.NewReader("unread body"))
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		<-notes // the handler has returned
		body := <-bodies
		errc := make(chan error, 1)
		go func() {
			_, err := body.Read(make([]byte, 10))
			errc <- err
		}()
		select {
		case err := <-errc:
			if !errors.Is(err, http.ErrBodyReadAfterClose) {
				t.Fatalf("%s: read after return: %v", addr, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: read after return blocks", addr)
		}
	}
	http.DefaultClient.CloseIdleConnections()
}

// A body read after Close fails with http.ErrBodyReadAfterClose.
func TestStdCompatBodyReadAfterClose(t *testing.T) {
	leakcheck.Check(t)
	_, eddyAddr, notes := bothServers(t, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
		r.Body.Close()
		_, err := r.Body.Read(make([]byte, 4))
		note("%v", errors.Is(err, http.ErrBodyReadAfterClose))
	})
	s := exchange(t, eddyAddr, notes, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
	if !slices.Equal(s.Notes, []string{"true"}) {
		t.Fatalf("%v", s)
	}
}

// A handler that panics with http.ErrAbortHandler is not logged; other
// panics are.
func TestStdAbortHandlerNotLogged(t *testing.T) {
	leakcheck.Check(t)
	var mu sync.Mutex
	var logged bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, nil)))
	defer slog.SetDefault(old)
	_, eddyAddr, notes := bothServers(t, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
		if r.URL.Path == "/abort" {
			panic(http.ErrAbortHandler)
		}
		panic("boom")
	})
	exchange(t, eddyAddr, notes, "GET /abort HTTP/1.1\r\nHost: x\r\n\r\n")
	mu.Lock()
	if logged.Len() != 0 {
		t.Errorf("ErrAbortHandler logged: %s", logged.String())
	}
	mu.Unlock()
	exchange(t, eddyAddr, notes, "GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
	// The log comes after the response is cut: wait for the handler's
	// goroutine to finish through Shutdown.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		mu.Lock()
		ok := strings.Contains(logged.String(), "boom")
		mu.Unlock()
		if ok || ctx.Err() != nil {
			if !ok {
				t.Error("panic not logged")
			}
			return
		}
		time.Sleep(time.Millisecond)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// A body read that would wait past the read deadline set through
// http.ResponseController fails with os.ErrDeadlineExceeded, and a
// deadline moved to the future, or cleared, lets reads go on; on both
// servers.
func TestStdCompatReadDeadline(t *testing.T) {
	leakcheck.Check(t)
	netAddr, eddyAddr, notes := bothServers(t, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(time.Now().Add(-time.Second))
		_, err := r.Body.Read(make([]byte, 5))
		note("past deadline: %v", errors.Is(err, os.ErrDeadlineExceeded))
		io.WriteString(w, "done")
	})
	for _, addr := range []string{netAddr, eddyAddr} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		// The body never comes: the handler's read must not wait.
		io.WriteString(c, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
		var got []string
		for n := range notes {
			if n == "\x00done" {
				break
			}
			got = append(got, n)
		}
		c.Close()
		if !slices.Equal(got, []string{"past deadline: true"}) {
			t.Errorf("%s: %q", addr, got)
		}
	}
}

// A write past the write deadline fails with os.ErrDeadlineExceeded and
// the client sees the response cut short, not a whole one.
func TestStdWriteDeadline(t *testing.T) {
	leakcheck.Check(t)
	_, eddyAddr, notes := bothServers(t, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
		rc := http.NewResponseController(w)
		io.WriteString(w, "first")
		rc.Flush()
		rc.SetWriteDeadline(time.Now().Add(-time.Second))
		_, err := io.WriteString(w, strings.Repeat("x", 4096))
		note("past deadline: %v", errors.Is(err, os.ErrDeadlineExceeded))
	})
	s := exchange(t, eddyAddr, notes, getRaw)
	if !slices.Equal(s.Notes, []string{"past deadline: true"}) || s.Body != "first" || s.BodyErr == "" || s.Reused {
		t.Fatalf("%v", s)
	}
}

// With "Expect: 100-continue", the 100 goes out when the handler reads
// the body, and a client that waits for it before sending the body gets
// its response; on both servers.
func TestStdCompatExpectContinueWaits(t *testing.T) {
	leakcheck.Check(t)
	netAddr, eddyAddr, notes := bothServers(t, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
		b, err := io.ReadAll(r.Body)
		note("body %q %v", b, err)
		io.WriteString(w, "got it")
	})
	for _, addr := range []string{netAddr, eddyAddr} {
		c, br := dial(t, addr)
		io.WriteString(c, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 100 {
			t.Fatalf("%s: %v %v", addr, resp, err)
		}
		io.WriteString(c, "hello")
		resp, body := readResponse(t, br, "POST")
		if resp.StatusCode != 200 || body != "got it" {
			t.Fatalf("%s: %d %q", addr, resp.StatusCode, body)
		}
		if n := <-notes; n != `body "hello" <nil>` {
			t.Fatalf("%s: %s", addr, n)
		}
		<-notes
		c.Close()
	}
}

// A second WriteHeader is logged, as net/http logs it, and ignored.
func TestStdSuperfluousWriteHeaderLogged(t *testing.T) {
	leakcheck.Check(t)
	var mu sync.Mutex
	var logged bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, nil)))
	defer slog.SetDefault(old)
	_, eddyAddr, notes := bothServers(t, func(w http.ResponseWriter, r *http.Request, note noteFunc) {
		w.WriteHeader(201)
		w.WriteHeader(202)
	})
	s := exchange(t, eddyAddr, notes, getRaw)
	mu.Lock()
	defer mu.Unlock()
	if s.Status != 201 || !strings.Contains(logged.String(), "superfluous response.WriteHeader") ||
		!strings.Contains(logged.String(), "std_compat_test.go") {
		t.Fatalf("status %d, log %q", s.Status, logged.String())
	}
}
