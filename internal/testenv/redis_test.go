package testenv_test

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
)

func TestRedis(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	if srv.Addr != net.JoinHostPort("127.0.0.1", strconv.Itoa(srv.Port)) {
		t.Errorf("Addr %q does not match Port %d", srv.Addr, srv.Port)
	}
	if fi, err := os.Stat(srv.Dir); err != nil || !fi.IsDir() {
		t.Errorf("Dir %q: %v", srv.Dir, err)
	}
	c := dial(t, srv.Addr)
	if got := c.redis("SET", "greeting", "hello"); got != "OK" {
		t.Fatalf("SET = %v", got)
	}
	if got := c.redis("GET", "greeting"); got != "hello" {
		t.Fatalf("GET = %v", got)
	}
	// Nothing is persisted, and DEBUG is allowed.
	if got := c.redis("CONFIG", "GET", "save"); !equal(got, []any{"save", ""}) {
		t.Errorf("CONFIG GET save = %v", got)
	}
	if got := c.redis("DEBUG", "SLEEP", "0"); got != "OK" {
		t.Errorf("DEBUG SLEEP 0 = %v", got)
	}
	if !strings.Contains(srv.Log(), "Ready to accept connections") {
		t.Errorf("log lacks the ready line:\n%s", srv.Log())
	}
}

func TestRedisRestart(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	addr, pid := srv.Addr, srv.Pid()
	c := dial(t, srv.Addr)
	c.redis("SET", "k", "v")

	srv.Restart()
	if srv.Addr != addr || !srv.Running() || srv.Pid() == pid || srv.Pid() == 0 {
		t.Fatalf("after Restart: addr %s (was %s), running %v, pid %d (was %d)",
			srv.Addr, addr, srv.Running(), srv.Pid(), pid)
	}
	c = dial(t, srv.Addr)
	if got := c.redis("GET", "k"); got != nil {
		t.Errorf("GET after restart = %v, want nil (nothing persisted)", got)
	}
	if n := strings.Count(srv.Log(), "=== testenv: "); n != 2 {
		t.Errorf("log has %d runs, want 2", n)
	}
}

func TestRedisKillAndStart(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	srv.Kill()
	if srv.Running() || srv.Pid() != 0 {
		t.Fatalf("after Kill: running %v, pid %d", srv.Running(), srv.Pid())
	}
	c, err := net.DialTimeout("tcp", srv.Addr, time.Second)
	if err == nil {
		c.Close()
		t.Fatal("dial succeeded after Kill")
	}
	srv.Kill() // no-op
	srv.Stop() // no-op
	srv.Start()
	if got := dial(t, srv.Addr).redis("PING"); got != "PONG" {
		t.Fatalf("PING after Start = %v", got)
	}
}

func TestRedisPassword(t *testing.T) {
	srv := testenv.Redis(t, testenv.Password("s3cret"))
	if srv.Password != "s3cret" {
		t.Errorf("Password = %q", srv.Password)
	}
	c := dial(t, srv.Addr)
	if got, _ := c.redis("PING").(string); !strings.HasPrefix(got, "ERR:NOAUTH") {
		t.Fatalf("PING without AUTH = %q, want NOAUTH", got)
	}
	if got := c.redis("AUTH", "s3cret"); got != "OK" {
		t.Fatalf("AUTH = %v", got)
	}
	if got := c.redis("PING"); got != "PONG" {
		t.Fatalf("PING = %v", got)
	}
}

func TestRedisArgsACL(t *testing.T) {
	// An ACL user from Args, with the default user switched off: the
	// harness cannot PING, yet sees the server is up.
	srv := testenv.Redis(t,
		testenv.Args("--user", "default", "off",
			"--user", "alice", "on", ">pw", "~*", "+@all"))
	c := dial(t, srv.Addr)
	if got := c.redis("AUTH", "alice", "pw"); got != "OK" {
		t.Fatalf("AUTH alice = %v", got)
	}
	if got := c.redis("ACL", "WHOAMI"); got != "alice" {
		t.Fatalf("ACL WHOAMI = %v", got)
	}
}

func TestRedisStartFailureShowsLog(t *testing.T) {
	if _, err := testenv.LookPath("redis-server"); err != nil {
		t.Skip(err)
	}
	f := &fakeTB{TB: t}
	f.run(func() { testenv.Redis(f, testenv.Args("--no-such-directive", "1")) })
	if !strings.Contains(f.fatal, "exited during startup") || !strings.Contains(f.fatal, "no-such-directive") {
		t.Fatalf("Fatalf message lacks the cause or the log:\n%s", f.fatal)
	}
}

func TestRedisRejectsBeanstalkdOption(t *testing.T) {
	f := &fakeTB{TB: t}
	f.run(func() { testenv.Redis(f, testenv.MaxJobSize(10)) })
	if !strings.Contains(f.fatal, "MaxJobSize") {
		t.Fatalf("Fatalf = %q", f.fatal)
	}
}

func TestFreePort(t *testing.T) {
	for range 3 {
		p, err := testenv.FreePort()
		if err != nil || p <= 0 || p > 65535 {
			t.Fatalf("FreePort = %d, %v", p, err)
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			l.Close()
			return
		}
		t.Logf("port %d was taken meanwhile: %v", p, err) // another process won the race
	}
	t.Fatal("three free ports in a row were taken at once")
}

func equal(a, b any) bool {
	as, ok1 := a.([]any)
	bs, ok2 := b.([]any)
	if !ok1 || !ok2 {
		return a == b
	}
	if len(as) != len(bs) {
		return false
	}
	for i := range as {
		if !equal(as[i], bs[i]) {
			return false
		}
	}
	return true
}
