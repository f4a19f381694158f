package httpserver_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// shout is a toy upgraded protocol: it echoes bytes upper-cased.
type shout struct{ eddy.BaseHandler }

func (shout) OnData(c *eddy.Conn, p []byte) int {
	c.Write(bytes.ToUpper(p))
	return len(p)
}

func upgradeHandler() httpserver.Handler {
	return httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		if r.Path == "/hints" {
			h := &httpserver.Header{}
			h.Add("Link", "</style.css>; rel=preload; as=style")
			if err := w.WriteInterim(103, h); err != nil {
				w.WriteHeader(500)
				return
			}
			w.WriteString("final")
			return
		}
		if !r.IsUpgrade() || !strings.EqualFold(r.Header.Get("Upgrade"), "shout") {
			w.WriteString("plain " + r.Path)
			return
		}
		w.Header().Set("X-Proto", "shout/1")
		if r.Path == "/later" {
			httpserver.Wait(w, r.Loop().Sleep(time.Millisecond), func(struct{}, error) {
				if err := w.Upgrade("shout", func(c *eddy.Conn) eddy.Handler { return shout{} }); err != nil {
					w.WriteHeader(500)
				}
			})
			return
		}
		if err := w.Upgrade("shout", func(c *eddy.Conn) eddy.Handler { return shout{} }); err != nil {
			w.WriteHeader(500)
		}
	})
}

func TestUpgradeToyProtocol(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: upgradeHandler()}, 1)
	c, br := dial(t, addr)
	// A plain request first, then the upgrade with bytes of the new
	// protocol right behind it, in the same write.
	io.WriteString(c, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\nhello")
	if _, body := readResponse(t, br, "GET"); body != "plain /first" {
		t.Fatalf("first: %q", body)
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 || resp.Header.Get("Upgrade") != "shout" || resp.Header.Get("X-Proto") != "shout/1" ||
		!strings.EqualFold(resp.Header.Get("Connection"), "upgrade") {
		t.Fatalf("101: %d %v", resp.StatusCode, resp.Header)
	}
	got := make([]byte, 5)
	if _, err := io.ReadFull(br, got); err != nil || string(got) != "HELLO" {
		t.Fatalf("early bytes: %q %v", got, err)
	}
	// Something that looks like HTTP is not HTTP any more.
	io.WriteString(c, "GET / HTTP/1.1\r\n")
	got = make([]byte, 16)
	if _, err := io.ReadFull(br, got); err != nil || string(got) != "GET / HTTP/1.1\r\n" {
		t.Fatalf("echo: %q %v", got, err)
	}
	// An upgrade decided later, after an asynchronous step.
	c3, br3 := dial(t, addr)
	io.WriteString(c3, "GET /later HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: shout\r\n\r\nearly")
	if resp, err := http.ReadResponse(br3, &http.Request{Method: "GET"}); err != nil || resp.StatusCode != 101 {
		t.Fatalf("later: %v", err)
	}
	got = make([]byte, 5)
	if _, err := io.ReadFull(br3, got); err != nil || string(got) != "EARLY" {
		t.Fatalf("later early bytes: %q %v", got, err)
	}
	// A request asking for a protocol the handler declines gets an
	// ordinary response, and the connection stays HTTP.
	c2, br2 := dial(t, addr)
	io.WriteString(c2, "GET /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: other\r\n\r\nGET /y HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, want := range []string{"plain /x", "plain /y"} {
		if _, body := readResponse(t, br2, "GET"); body != want {
			t.Fatalf("declined upgrade: %q, want %q", body, want)
		}
	}
}

func TestEarlyHints(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: upgradeHandler()}, 1)
	var hints []string
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		if code == 103 {
			hints = append(hints, h.Get("Link"))
		}
		return nil
	}}
	req, _ := http.NewRequest("GET", "http://"+addr+"/hints", nil)
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "final" || len(hints) != 1 || hints[0] != "</style.css>; rel=preload; as=style" {
		t.Fatalf("%d %q hints %q", resp.StatusCode, b, hints)
	}
	// HTTP/1.0 gets no interim response.
	c, br := dial(t, addr)
	io.WriteString(c, "GET /hints HTTP/1.0\r\n\r\n")
	line, _ := br.ReadString('\n')
	if !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("HTTP/1.0: %q", line)
	}
}

// An upgrade pipelined behind a large sendfile response switches once
// the file has gone out, and the file is released.
func TestUpgradeAfterSendFile(t *testing.T) {
	leakcheck.Check(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 256<<10) // 4 MiB
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{}, 1)
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		if r.IsUpgrade() {
			w.Upgrade("shout", func(c *eddy.Conn) eddy.Handler {
				select {
				case <-released:
				default:
					t.Error("switched before the file was written")
				}
				return shout{}
			})
			return
		}
		f, err := os.Open(path)
		if err != nil {
			w.WriteHeader(500)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		if err := w.SendFile(f, 0, int64(len(data)), func() { f.Close(); released <- struct{}{} }); err != nil {
			f.Close()
			w.WriteHeader(500)
		}
	})
	addr, _ := start(t, &httpserver.Server{Handler: h}, 1)
	c, br := dial(t, addr)
	io.WriteString(c, "GET /file HTTP/1.1\r\nHost: x\r\n\r\nGET /up HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: shout\r\n\r\nabc")
	if _, body := readResponse(t, br, "GET"); body != string(data) {
		t.Fatalf("file: %d bytes", len(body))
	}
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 101 {
		t.Fatalf("101: %v", err)
	}
	got := make([]byte, 3)
	if _, err := io.ReadFull(br, got); err != nil || string(got) != "ABC" {
		t.Fatalf("echo %q %v", got, err)
	}
}
