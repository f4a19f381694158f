package httpclient_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// redirectServer serves /hop/N (redirecting to /hop/N-1 with code), /loop
// (to itself) and /echo (method, body and credentials as headers).
func redirectServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/hop/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
			if n == 0 {
				io.WriteString(w, "arrived")
				return
			}
			http.Redirect(w, r, "/hop/"+strconv.Itoa(n-1), http.StatusFound)
		case r.URL.Path == "/loop":
			http.Redirect(w, r, "/loop", http.StatusTemporaryRedirect)
		case r.URL.Path == "/to":
			code, _ := strconv.Atoi(r.URL.Query().Get("code"))
			w.Header().Set("Location", r.URL.Query().Get("loc"))
			w.WriteHeader(code)
		case r.URL.Path == "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Method", r.Method)
			w.Header().Set("X-Auth", r.Header.Get("Authorization"))
			w.Header().Set("X-Cookie", r.Header.Get("Cookie"))
			w.Header().Set("X-Type", r.Header.Get("Content-Type"))
			w.Write(b)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRedirectChain(t *testing.T) {
	leakcheck.Check(t)
	srv := redirectServer(t)
	c := &httpclient.Client{Loop: startLoop(t)}
	st, body, err := get(t, c, srv.URL+"/hop/5")
	if err != nil || st != 200 || body != "arrived" {
		t.Fatalf("got %d %q %v", st, body, err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/hop/3", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/hop/0" {
		t.Fatalf("final URL %v", resp.Request.URL)
	}
	// Past the limit: a typed error.
	c2 := &httpclient.Client{Loop: c.Loop, MaxRedirects: 3}
	if _, _, err := get(t, c2, srv.URL+"/hop/4"); !errors.Is(err, httpclient.ErrTooManyRedirects) {
		t.Fatalf("4 hops with a limit of 3: %v", err)
	}
	if st, _, err := get(t, c2, srv.URL+"/hop/3"); err != nil || st != 200 {
		t.Fatalf("3 hops with a limit of 3: %d %v", st, err)
	}
	// Negative: the 3xx itself.
	c3 := &httpclient.Client{Loop: c.Loop, MaxRedirects: -1}
	if st, _, err := get(t, c3, srv.URL+"/hop/1"); err != nil || st != 302 {
		t.Fatalf("no redirects: %d %v", st, err)
	}
}

func TestRedirectLoop(t *testing.T) {
	leakcheck.Check(t)
	srv := redirectServer(t)
	c := &httpclient.Client{Loop: startLoop(t)}
	_, _, err := get(t, c, srv.URL+"/loop")
	if !errors.Is(err, httpclient.ErrTooManyRedirects) {
		t.Fatalf("got %v, want ErrTooManyRedirects", err)
	}
	u, _ := url.Parse(srv.URL + "/loop")
	if _, err := send(c, &httpclient.Request{URL: u}); !errors.Is(err, httpclient.ErrTooManyRedirects) {
		t.Fatalf("Send: got %v", err)
	}
}

func TestRedirectMethods(t *testing.T) {
	leakcheck.Check(t)
	srv := redirectServer(t)
	c := &httpclient.Client{Loop: startLoop(t)}
	cases := []struct {
		method string
		code   int
		want   string // method at /echo
		body   string // body at /echo
	}{
		{"POST", 301, "GET", ""},
		{"POST", 302, "GET", ""},
		{"POST", 303, "GET", ""},
		{"PUT", 303, "GET", ""},
		{"HEAD", 303, "HEAD", ""},
		{"PUT", 301, "PUT", "payload"},
		{"POST", 307, "POST", "payload"},
		{"POST", 308, "POST", "payload"},
		{"DELETE", 307, "DELETE", "payload"},
	}
	for _, tc := range cases {
		target := srv.URL + "/to?code=" + strconv.Itoa(tc.code) + "&loc=" + url.QueryEscape("/echo")
		u, _ := url.Parse(target)
		hdr := http.Header{"Content-Type": {"text/plain"}}
		r, err := send(c, &httpclient.Request{Method: tc.method, URL: u, Header: hdr, Body: []byte("payload")})
		if err != nil {
			t.Fatalf("%s %d: %v", tc.method, tc.code, err)
		}
		got := r.Header.Get("X-Method")
		if got != tc.want || (tc.method != "HEAD" && string(r.Body) != tc.body) {
			t.Fatalf("%s %d: arrived as %s with %q, want %s with %q", tc.method, tc.code, got, r.Body, tc.want, tc.body)
		}
		if tc.body == "" && tc.want != "HEAD" && r.Header.Get("X-Type") != "" {
			t.Fatalf("%s %d: Content-Type kept on a GET", tc.method, tc.code)
		}
		// Do, with an io.Reader body that can be replayed through GetBody.
		req, _ := http.NewRequest(tc.method, target, strings.NewReader("payload"))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("Do %s %d: %v", tc.method, tc.code, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case tc.body == "":
			if resp.Header.Get("X-Method") != tc.want || (tc.want != "HEAD" && len(b) != 0) {
				t.Fatalf("Do %s %d: %s %q", tc.method, tc.code, resp.Header.Get("X-Method"), b)
			}
		case resp.StatusCode == tc.code:
			// A streamed body is not replayed: the 3xx comes back.
		case resp.Header.Get("X-Method") != tc.want || string(b) != tc.body:
			t.Fatalf("Do %s %d: %s %q", tc.method, tc.code, resp.Header.Get("X-Method"), b)
		}
	}
}

// TestRedirectCredentials: Authorization and Cookie go along to the same
// host and are dropped for another one.
func TestRedirectCredentials(t *testing.T) {
	leakcheck.Check(t)
	srv := redirectServer(t)
	c := &httpclient.Client{Loop: startLoop(t)}
	other := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	hdr := http.Header{"Authorization": {"Bearer secret"}, "Cookie": {"a=1"}}
	for _, tc := range []struct {
		loc  string
		keep bool
	}{
		{srv.URL + "/echo", true},
		{"/echo", true},
		{other + "/echo", false},
	} {
		u, _ := url.Parse(srv.URL + "/to?code=302&loc=" + url.QueryEscape(tc.loc))
		r, err := send(c, &httpclient.Request{URL: u, Header: hdr})
		if err != nil {
			t.Fatal(err)
		}
		kept := r.Header.Get("X-Auth") == "Bearer secret" && r.Header.Get("X-Cookie") == "a=1"
		dropped := r.Header.Get("X-Auth") == "" && r.Header.Get("X-Cookie") == ""
		if (tc.keep && !kept) || (!tc.keep && !dropped) {
			t.Fatalf("to %s: auth %q cookie %q", tc.loc, r.Header.Get("X-Auth"), r.Header.Get("X-Cookie"))
		}
	}
	if hdr.Get("Authorization") == "" {
		t.Fatal("the caller's header was changed")
	}
}

// TestCookiesAcrossRedirects: cookies set by each hop are sent by the next
// ones, through net/http/cookiejar.
func TestCookiesAcrossRedirects(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
			http.Redirect(w, r, "/step", http.StatusSeeOther)
		case "/step":
			if _, err := r.Cookie("session"); err != nil {
				http.Error(w, "no session at /step", 401)
				return
			}
			http.SetCookie(w, &http.Cookie{Name: "step", Value: "done", Path: "/"})
			http.Redirect(w, r, "/home", http.StatusFound)
		case "/home":
			var names []string
			for _, ck := range r.Cookies() {
				names = append(names, ck.Name+"="+ck.Value)
			}
			io.WriteString(w, strings.Join(names, ";"))
		}
	}))
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := &httpclient.Client{Loop: startLoop(t), Jar: jar}
	req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader("user=x"))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "session=s1;step=done" {
		t.Fatalf("got %d %q", resp.StatusCode, b)
	}
	// A later request carries them too, on the loop API as well.
	u, _ := url.Parse(srv.URL + "/home")
	r, err := send(c, &httpclient.Request{URL: u})
	if err != nil || string(r.Body) != "session=s1;step=done" {
		t.Fatalf("Send: %v %q", err, r.Body)
	}
}

// TestRedirectEndlessBody answers with a redirect whose chunked body
// never ends: the client must follow it after reading a bounded part
// (closing that connection), not read the body for ever.
func TestRedirectEndlessBody(t *testing.T) {
	leakcheck.Check(t)
	addr := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		req, err := readRequest(br)
		if err != nil {
			return
		}
		if req.URL.Path == "/final" {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			return
		}
		io.WriteString(c, "HTTP/1.1 302 Found\r\nLocation: /final\r\nTransfer-Encoding: chunked\r\n\r\n")
		chunk := "4000\r\n" + strings.Repeat("z", 0x4000) + "\r\n"
		for {
			if _, err := io.WriteString(c, chunk); err != nil {
				return // the client closed it
			}
		}
	})
	c := &httpclient.Client{Loop: startLoop(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", addr+"/start", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(b) != "ok" || resp.Request.URL.Path != "/final" {
		t.Fatalf("%q, %v, from %v", b, err, resp.Request.URL)
	}
}
