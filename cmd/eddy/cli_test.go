//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// runMainEnv makes the test binary run main instead of the tests, so that
// the tests can run eddy as a user does: as a process, with signals.
const runMainEnv = "EDDY_CMD_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// proc is eddy running as a child process.
type proc struct {
	cmd    *exec.Cmd
	url    string // from the "serving" line
	stdout *bufio.Reader
	stderr *syncBuffer
	done   chan struct{} // closed once Wait has returned
	err    error         // Wait's result
}

// startMain runs "eddy args..." as a child process and waits for the line
// announcing the URL. The child is killed and reaped when the test ends.
func startMain(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	p := &proc{cmd: cmd, stderr: new(syncBuffer), done: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	p.stdout = bufio.NewReader(out)
	go func() {
		defer close(p.done)
		p.err = cmd.Wait()
	}()
	line, err := p.stdout.ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		<-p.done
		t.Fatalf("eddy %s: no serving line (%v); stderr %q", strings.Join(args, " "), err, p.stderr.String())
	}
	f := strings.Fields(line)
	if len(f) < 3 || f[1] != "serving" {
		t.Fatalf("first line %q", line)
	}
	p.url = f[2]
	return p
}

// waitLine reads the child's output until a line containing s.
func (p *proc) waitLine(t *testing.T, s string) {
	t.Helper()
	for {
		line, err := p.stdout.ReadString('\n')
		if strings.Contains(line, s) {
			return
		}
		if err != nil {
			t.Fatalf("no line with %q in the output (%v); stderr %q", s, err, p.stderr.String())
		}
	}
}

// wait waits for the child to exit, failing the test if it has not a
// minute later (what it waits for takes well under a second).
func (p *proc) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(time.Minute):
		t.Fatalf("eddy still running a minute later; stderr %q", p.stderr.String())
		return nil
	}
}

// sparseFile makes a file of n zero bytes under dir without writing them.
func sparseFile(t *testing.T, dir, name string, n int64) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(n); err != nil {
		t.Fatal(err)
	}
}

// bigBody is larger than what the loopback's socket buffers hold, so
// that the response to a client that does not read stays in flight.
const bigBody = 64 << 20

// inFlight sends a GET for /big and reads its head, leaving the body
// unread: the response is in flight until the client reads.
func inFlight(t *testing.T, url string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 200 ") {
		t.Fatalf("status line %q: %v", status, err)
	}
	return c, br
}

// A stop signal lets the response in flight finish before eddy exits,
// with status 0: SIGTERM (from a service manager) as well as SIGINT.
func TestSignalShutdownFinishesInFlight(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			sparseFile(t, dir, "big", bigBody)
			p := startMain(t, "serve", "--listen", "127.0.0.1:0", "--loops", "1", "--grace", "10m", "--root", dir)
			_, br := inFlight(t, p.url)
			p.cmd.Process.Signal(sig)
			p.waitLine(t, "shutting down")
			resp, err := http.ReadResponse(bufio.NewReader(io.MultiReader(strings.NewReader("HTTP/1.1 200 OK\r\n"), br)), nil)
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			if err != nil || n != bigBody {
				t.Fatalf("body: %d of %d bytes: %v", n, bigBody, err)
			}
			if err := p.wait(t); err != nil {
				t.Fatalf("exit: %v; stderr %q", err, p.stderr.String())
			}
		})
	}
}

// A second Ctrl-C during the grace period stops eddy at once, with a
// non-zero status, instead of waiting for the connections left.
func TestSecondInterruptForcesExit(t *testing.T) {
	dir := t.TempDir()
	sparseFile(t, dir, "big", bigBody)
	p := startMain(t, "serve", "--listen", "127.0.0.1:0", "--loops", "1", "--grace", "10m", "--root", dir)
	inFlight(t, p.url) // never read: the grace period would last 10 minutes
	p.cmd.Process.Signal(os.Interrupt)
	p.waitLine(t, "shutting down")
	p.cmd.Process.Signal(os.Interrupt)
	err := p.wait(t)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() <= 0 {
		t.Fatalf("exit: %v, want a non-zero status; stderr %q", err, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "forced") {
		t.Fatalf("stderr %q does not say the stop was forced", p.stderr.String())
	}
}

// runMain runs "eddy args..." to its end and returns its exit code and
// output; it must end by itself.
func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		code = ee.ExitCode()
	default:
		t.Fatalf("eddy %s: %v (stderr %q)", strings.Join(args, " "), err, e.String())
	}
	return code, o.String(), e.String()
}

// Bad flags are refused before anything listens, with one clear line and
// status 2 (a usage error), or 1 for what only starting can find out.
func TestBadFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "--loops", "-1"}, 2, "--loops"},
		{[]string{"serve", "--loops", "x"}, 2, "-loops"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"serve", "--tls-cert", file}, 2, "--tls-key"},
		{[]string{"serve", "--nope"}, 2, "-nope"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{}, 2, "usage"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--root", filepath.Join(dir, "missing")}, 1, "--root"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--root", file}, 1, "not a directory"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--tls-cert", file, "--tls-key", file}, 1, "--tls-cert"},
		{[]string{"serve", "--listen", "bogus"}, 1, "missing port"},
	} {
		code, _, stderr := runMain(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "panic") {
			t.Errorf("eddy %s: status %d, stderr %q; want status %d and %q", strings.Join(tc.args, " "), code, stderr, tc.code, tc.want)
		}
		if strings.Contains(stderr, "eddy: eddy:") || strings.Count(stderr, "\n") > 1 && tc.code == 1 {
			t.Errorf("eddy %s: stderr %q is not one clear line", strings.Join(tc.args, " "), stderr)
		}
	}
}

// --help describes the command and every flag, on stdout, with status 0.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"serve", "--help"}, {"serve", "-h"}, {"--help"}, {"help"}} {
		code, stdout, stderr := runMain(t, args...)
		if code != 0 || stderr != "" {
			t.Errorf("eddy %s: status %d, stderr %q", strings.Join(args, " "), code, stderr)
		}
		for _, want := range []string{"usage: eddy serve", "  --access-log[=DEST]", "--listen", "--loops", "--root", "--grace", "--access-log", "--tls-cert", "--tls-key", "127.0.0.1:8080", "method=", "status="} {
			if !strings.Contains(stdout, want) {
				t.Errorf("eddy %s: help lacks %q:\n%s", strings.Join(args, " "), want, stdout)
			}
		}
	}
	// Every flag is in the help.
	fs := newFlagSet(new(options))
	_, stdout, _ := runMain(t, "serve", "--help")
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(stdout, "--"+f.Name) {
			t.Errorf("help lacks --%s", f.Name)
		}
	})
}

// Another server on the port, even another eddy (whose listeners use
// SO_REUSEPORT, which would let a second one bind and take half the
// connections), is an error.
func TestListenPortInUse(t *testing.T) {
	leakcheck.Check(t)
	addr, _, _ := startServe(t, options{loops: 1})
	o := options{listen: addr, loops: 1, grace: time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, o, io.Discard, io.Discard, ready, nil) }()
	select {
	case err := <-done:
		if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), addr) {
			t.Fatalf("second server on %s: %v, want EADDRINUSE", addr, err)
		}
	case <-ready:
		cancel()
		<-done
		t.Fatalf("a second server started on %s", addr)
	}
	// A port held by a plain listener is refused too.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o.listen = ln.Addr().String()
	if err := serve(ctx, o, io.Discard, io.Discard, nil, nil); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("port of a plain listener: %v, want EADDRINUSE", err)
	}
}

// The URL printed is the one that works: the real port for port 0, and
// brackets for IPv6.
func TestServingURL(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", "[::1]:0"} {
		if listen[0] == '[' {
			if ln, err := net.Listen("tcp", listen); err != nil {
				t.Logf("no IPv6 loopback: %v", err)
				continue
			} else {
				ln.Close()
			}
		}
		p := startMain(t, "serve", "--listen", listen, "--loops", "1")
		if strings.HasSuffix(p.url, ":0/") || !strings.HasPrefix(p.url, "http://"+listen[:strings.LastIndex(listen, ":")]+":") {
			t.Fatalf("--listen %s printed %q", listen, p.url)
		}
		tr := &http.Transport{}
		resp, body := get(t, &http.Client{Transport: tr}, p.url+"stats")
		tr.CloseIdleConnections()
		if resp.StatusCode != 200 || !strings.Contains(body, `"loops"`) {
			t.Fatalf("%s: %d %q", p.url, resp.StatusCode, body)
		}
		p.cmd.Process.Signal(syscall.SIGTERM)
		if err := p.wait(t); err != nil {
			t.Fatal(err)
		}
	}
}

// --access-log writes to stderr, stdout ("-") or a file, one line per
// response: HEAD, 304 and errors included.
func TestAccessLogDestinations(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>home</p>"), 0o644)
	logFile := filepath.Join(t.TempDir(), "access.log")
	for _, dest := range []string{"", "-", logFile} {
		t.Run(fmt.Sprintf("%q", dest), func(t *testing.T) {
			var o options
			arg := "--access-log"
			if dest != "" {
				arg += "=" + dest
			}
			if err := newFlagSet(&o).Parse([]string{arg, "--loops=1", "--root=" + dir}); err != nil {
				t.Fatal(err)
			}
			addr, out, logs := startServe(t, o)
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			resp, err := c.Head("http://" + addr + "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
			req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
			if resp, err = c.Do(req); err != nil || resp.StatusCode != 304 {
				t.Fatalf("conditional GET: %v %v", resp, err)
			}
			resp.Body.Close()
			get(t, c, "http://"+addr+"/.git/config")
			read := func() string {
				switch dest {
				case "":
					return logs.String()
				case "-":
					return out.String()
				}
				b, _ := os.ReadFile(logFile)
				return string(b)
			}
			// The line follows the response: wait for it.
			for i := 0; i < 500 && !strings.Contains(read(), "status=404"); i++ {
				time.Sleep(10 * time.Millisecond)
			}
			got := read()
			for _, want := range []string{"method=HEAD target=/ status=200 bytes=0", "method=GET target=/ status=304 bytes=0", "target=/.git/config status=404"} {
				if !strings.Contains(got, want) {
					t.Fatalf("log lacks %q:\n%s", want, got)
				}
			}
		})
	}
}

// --root serves no directory listing and no dotfiles (.git, .env).
func TestServeRootSafeDefaults(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.WriteFile(filepath.Join(dir, ".git", "config"), []byte("[core]"), 0o644)
	os.WriteFile(filepath.Join(dir, ".env"), []byte("SECRET=1"), 0o644)
	os.Mkdir(filepath.Join(dir, "noindex"), 0o755)
	os.WriteFile(filepath.Join(dir, "noindex", "a.txt"), []byte("a"), 0o644)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	addr, _, _ := startServe(t, options{loops: 1, root: dir})
	c := &http.Client{Transport: tr}
	for _, p := range []string{"/.git/config", "/.git/", "/.env", "/noindex/", "/"} {
		resp, body := get(t, c, "http://"+addr+p)
		if resp.StatusCode != 404 || strings.Contains(body, "a.txt") || strings.Contains(body, "SECRET") {
			t.Errorf("%s: %d %q", p, resp.StatusCode, body)
		}
	}
}
