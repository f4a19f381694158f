package srvproc_test

import (
	"errors"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/eddy-go/eddy/bench/internal/srvproc"
)

// TestStartBeanstalkd starts a real listener program (beanstalkd, which the
// project's tests install) and checks that it is reachable until Stop.
func TestStartBeanstalkd(t *testing.T) {
	if _, err := exec.LookPath("beanstalkd"); err != nil {
		t.Skip("beanstalkd not installed; run make deps")
	}
	s, err := srvproc.Start(srvproc.Config{
		Program: "beanstalkd",
		Args:    func(port int) []string { return []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port)} },
		CPU:     0,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Pid <= 0 {
		t.Errorf("pid %d", s.Pid)
	}
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.Stop()
	if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		c.Close()
		t.Error("server still reachable after Stop")
	}
}

func TestStartNotReady(t *testing.T) {
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep binary")
	}
	probe := errors.New("never ready")
	_, err := srvproc.Start(srvproc.Config{
		Program: "sleep",
		Args:    func(int) []string { return []string{"30"} },
		CPU:     -1,
		Ready:   func(string) error { return probe },
		Timeout: 100 * time.Millisecond,
	})
	if !errors.Is(err, probe) {
		t.Fatalf("err = %v, want the probe's error", err)
	}
}

func TestStartMissingProgram(t *testing.T) {
	_, err := srvproc.Start(srvproc.Config{Program: "no-such-server-xyz", Args: func(int) []string { return nil }})
	if err == nil {
		t.Fatal("started a program that does not exist")
	}
}
