package testenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// recordTB records Fatalf and Skipf and ends the calling goroutine, which
// run provides.
type recordTB struct {
	testing.TB
	mu             sync.Mutex
	fatal, skipped string
}

func (r *recordTB) Helper() {}
func (r *recordTB) Fatalf(f string, a ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprintf(f, a...)
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recordTB) Skipf(f string, a ...any) {
	r.mu.Lock()
	r.skipped = fmt.Sprintf(f, a...)
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recordTB) run(fn func()) {
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	<-done
}

func TestMissingBinarySkipsOrFails(t *testing.T) {
	t.Setenv(RequireEnv, "")
	r := &recordTB{TB: t}
	r.run(func() { requireBinary(r, "eddy-no-such-server", "eddy-pkg") })
	if !strings.Contains(r.skipped, "make deps") || !strings.Contains(r.skipped, "apt-get install eddy-pkg") || r.fatal != "" {
		t.Fatalf("without %s: skip %q, fatal %q", RequireEnv, r.skipped, r.fatal)
	}

	t.Setenv(RequireEnv, "1")
	r = &recordTB{TB: t}
	r.run(func() { requireBinary(r, "eddy-no-such-server", "") })
	if !strings.Contains(r.fatal, "eddy-no-such-server") || !strings.Contains(r.fatal, "make deps") || r.skipped != "" {
		t.Fatalf("with %s=1: skip %q, fatal %q", RequireEnv, r.skipped, r.fatal)
	}
}

func TestLookPathPrefersCache(t *testing.T) {
	root := t.TempDir()
	t.Setenv("EDDY_TESTBIN", root)
	if got := BinDir(); got != filepath.Join(root, "bin") {
		t.Fatalf("BinDir = %q", got)
	}
	if _, err := LookPath("eddy-fake-server"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LookPath before install: %v, want ErrNotFound", err)
	}
	bin := filepath.Join(root, "bin", "eddy-fake-server")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LookPath("eddy-fake-server"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LookPath of a non-executable file: %v, want ErrNotFound", err)
	}
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := LookPath("eddy-fake-server"); err != nil || got != bin {
		t.Fatalf("LookPath = %q, %v; want %q", got, err, bin)
	}
}

// TestPortInUseIsRecognised starts each server on a port that is taken, and
// checks the failure is classed as errPortInUse, which launch retries.
func TestPortInUseIsRecognised(t *testing.T) {
	for _, sp := range []spec{
		redisSpec(newOptions(nil), nil),
		{name: "beanstalkd", args: func(port int, _ string) []string {
			return []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port)}
		}, probe: beanstalkdReady},
		{name: "dnsmasq", args: func(port int, _ string) []string {
			return []string{"--no-daemon", "--port=" + strconv.Itoa(port), "--listen-address=127.0.0.1",
				"--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file="}
		}, probe: dnsReady},
	} {
		t.Run(sp.name, func(t *testing.T) {
			if _, err := LookPath(sp.name); err != nil {
				t.Skip(err)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			go func() { // hang up on the readiness probes at once
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					c.Close()
				}
			}()
			sp.opts = newOptions(nil)
			s := newServer(t, sp)
			s.Port = l.Addr().(*net.TCPAddr).Port
			s.Addr = l.Addr().String()
			err = s.start()
			if !errors.Is(err, errPortInUse) || !errors.Is(err, ErrExited) {
				t.Fatalf("start on a taken port: %v", err)
			}
			var se *StartError
			if !errors.As(err, &se) || se.Server != sp.name || se.Log == "" {
				t.Fatalf("want a *StartError with the log, got %#v", err)
			}
			if s.Running() {
				t.Fatal("Running after failed start")
			}
		})
	}
}

// TestNotReadyKillsServer uses a probe that never succeeds.
func TestNotReadyKillsServer(t *testing.T) {
	if _, err := LookPath("beanstalkd"); err != nil {
		t.Skip(err)
	}
	never := errors.New("never ready")
	s := newServer(t, spec{name: "beanstalkd", args: func(port int, _ string) []string {
		return []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port)}
	}, probe: func(*Server, int) error { return never }, opts: newOptions([]Option{ReadyTimeout(50 * time.Millisecond)})})
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	s.Port, s.Addr = port, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	err = s.start()
	if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "never ready") {
		t.Fatalf("start = %v, want ErrNotReady with the probe's error", err)
	}
	if s.Running() || s.Pid() != 0 {
		t.Fatal("server left running after ErrNotReady")
	}
}

func TestDNSQueryEncoding(t *testing.T) {
	b, err := dnsQuery(0x1234, "ready.example.test.", 28)
	if err != nil {
		t.Fatal(err)
	}
	var m dnsmessage.Message
	if err := m.Unpack(b); err != nil {
		t.Fatal(err)
	}
	if m.ID != 0x1234 || !m.RecursionDesired || m.Response || len(m.Questions) != 1 {
		t.Fatalf("header %+v", m.Header)
	}
	q := m.Questions[0]
	if q.Name.String() != "ready.example.test." || q.Type != dnsmessage.TypeAAAA || q.Class != dnsmessage.ClassINET {
		t.Fatalf("question %+v", q)
	}
	for _, bad := range []string{"", "a..b", strings.Repeat("x", 64) + ".test"} {
		if _, err := dnsQuery(1, bad, 1); err == nil {
			t.Errorf("dnsQuery(%q) accepted", bad)
		}
	}
}

func TestDNSRecordsArgs(t *testing.T) {
	got := DNSRecords{
		Hosts: []string{"a.test,192.0.2.1"}, CNAMEs: []string{"b.test,a.test"},
		MX: []string{"test,mx.test,5"}, TXT: []string{"t.test,x"},
		SRV: []string{"_s._tcp.test,a.test,1"}, PTR: []string{"1.2.0.192.in-addr.arpa,a.test"},
	}.args()
	want := []string{"--host-record=a.test,192.0.2.1", "--cname=b.test,a.test", "--mx-host=test,mx.test,5",
		"--txt-record=t.test,x", "--srv-host=_s._tcp.test,a.test,1", "--ptr-record=1.2.0.192.in-addr.arpa,a.test"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("args = %q\nwant   %q", got, want)
	}
}

func TestQuote(t *testing.T) {
	got := strings.Join(quote([]string{"--save", "", "a b", "plain"}), " ")
	if want := `--save "" "a b" plain`; got != want {
		t.Fatalf("quote = %s, want %s", got, want)
	}
}

// TestProbesCheckThePid makes sure a probe that reaches a server of the
// right kind but another process (one that won a port race) says no.
func TestProbesCheckThePid(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(testing.TB, ...Option) *Server
		probe func(*Server, int) error
	}{
		{"redis-server", Redis, redisReady},
		{"beanstalkd", Beanstalkd, beanstalkdReady},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := LookPath(tc.name); err != nil {
				t.Skip(err)
			}
			s := tc.start(t)
			if err := tc.probe(s, s.Pid()); err != nil {
				t.Fatalf("probe with the right pid: %v", err)
			}
			if err := tc.probe(s, s.Pid()+100000); err == nil || !strings.Contains(err.Error(), "another process") {
				t.Fatalf("probe with a wrong pid: %v", err)
			}
		})
	}
}
