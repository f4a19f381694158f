package testenv_test

import (
	"strings"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
)

func TestBeanstalkd(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	c := dial(t, srv.Addr)
	c.write("put 0 0 60 5\r\nhello\r\n")
	if got := c.line(); !strings.HasPrefix(got, "INSERTED ") {
		t.Fatalf("put: %q", got)
	}
	if got := c.cmd("reserve-with-timeout 0\r\n"); !strings.HasPrefix(got, "RESERVED ") || !strings.HasSuffix(got, " 5") {
		t.Fatalf("reserve: %q, want RESERVED <id> 5", got)
	}
	if body := c.line(); body != "hello" {
		t.Fatalf("job body %q", body)
	}

	srv.Restart()
	c = dial(t, srv.Addr)
	if got := c.cmd("reserve-with-timeout 0\r\n"); got != "TIMED_OUT" {
		t.Fatalf("reserve after restart: %q, want TIMED_OUT (no binlog)", got)
	}
}

func TestBeanstalkdMaxJobSize(t *testing.T) {
	srv := testenv.Beanstalkd(t, testenv.MaxJobSize(4))
	c := dial(t, srv.Addr)
	if got := c.cmd("put 0 0 60 5\r\nhello\r\n"); got != "JOB_TOO_BIG" {
		t.Fatalf("put of 5 bytes with -z 4: %q", got)
	}
	if got := c.cmd("put 0 0 60 4\r\nfour\r\n"); !strings.HasPrefix(got, "INSERTED ") {
		t.Fatalf("put of 4 bytes: %q", got)
	}
}

func TestBeanstalkdRejectsPassword(t *testing.T) {
	f := &fakeTB{TB: t}
	f.run(func() { testenv.Beanstalkd(f, testenv.Password("x")) })
	if !strings.Contains(f.fatal, "Password") {
		t.Fatalf("Fatalf = %q", f.fatal)
	}
}
