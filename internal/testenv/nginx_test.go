package testenv_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
)

func TestNginx(t *testing.T) {
	leakcheck.Check(t)
	for _, useTLS := range []bool{false, true} {
		srv := testenv.Nginx(t, testenv.NginxConfig{
			TLS:    useTLS,
			Files:  map[string]string{"index.html": "hello", "sub/a.txt": "file a"},
			Server: "        location = /ret { return 201 \"returned\"; }",
		})
		if (srv.CertPool != nil) != useTLS || !strings.HasPrefix(srv.URL, map[bool]string{false: "http://", true: "https://"}[useTLS]) {
			t.Fatalf("TLS %v: URL %s, pool %v", useTLS, srv.URL, srv.CertPool)
		}
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CertPool}}
		c := &http.Client{Transport: tr}
		for path, want := range map[string]string{"/": "hello", "/sub/a.txt": "file a", "/ret": "returned"} {
			resp, err := c.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != want {
				t.Fatalf("TLS %v %s: %d %q, want %q", useTLS, path, resp.StatusCode, b, want)
			}
		}
		tr.CloseIdleConnections()
	}
}

// A configuration that cannot be written (a file where a directory must
// go) fails the start with that cause, not with nginx's complaint about a
// configuration file that is not there.
func TestNginxPrepareFailureShowsCause(t *testing.T) {
	if _, err := testenv.LookPath("nginx"); err != nil {
		t.Skip(err)
	}
	f := &fakeTB{TB: t}
	f.run(func() {
		testenv.Nginx(f, testenv.NginxConfig{Files: map[string]string{"a": "file", "a/b": "under a file"}})
	})
	if !strings.Contains(f.fatal, "preparing") || !strings.Contains(f.fatal, "directory") || strings.Contains(f.fatal, "missing.conf") {
		t.Fatalf("Fatalf message lacks the cause:\n%s", f.fatal)
	}
}
