// Package srvproc starts a server program (redis-server, beanstalkd, nginx)
// for a benchmark: on a free loopback port, optionally pinned to a CPU with
// taskset, killed with the benchmark, and ready once a probe succeeds.
package srvproc

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"time"
)

// Server is a running server program.
type Server struct {
	// Addr is the loopback host:port the server listens on.
	Addr string
	// Pid is the server's process id (taskset execs the program, so it is
	// the program's own).
	Pid int
	cmd *exec.Cmd
}

// Config says how to start a server.
type Config struct {
	// Program is the binary, found in PATH.
	Program string
	// Args builds the command line for the chosen port.
	Args func(port int) []string
	// CPU pins the server to one CPU with taskset; -1 leaves it free.
	CPU int
	// Ready probes the server; Start retries it until it succeeds or
	// Timeout passes. Nil means "a TCP connect succeeds".
	Ready func(addr string) error
	// Timeout bounds the wait for Ready (default 5s).
	Timeout time.Duration
}

// FreePort asks the kernel for an unused loopback TCP port.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Start runs the server and waits until it is ready.
func Start(cfg Config) (*Server, error) {
	bin, err := exec.LookPath(cfg.Program)
	if err != nil {
		return nil, fmt.Errorf("srvproc: %s not installed (make deps installs it): %w", cfg.Program, err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	name, args := bin, cfg.Args(port)
	if cfg.CPU >= 0 {
		if ts, err := exec.LookPath("taskset"); err == nil {
			name, args = ts, append([]string{"-c", strconv.Itoa(cfg.CPU), bin}, args...)
		}
	}
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("srvproc: start %s: %w", cfg.Program, err)
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Pid: cmd.Process.Pid, cmd: cmd}
	ready := cfg.Ready
	if ready == nil {
		ready = func(addr string) error {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
			}
			return err
		}
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	for deadline := time.Now().Add(timeout); ; {
		err := ready(s.Addr)
		if err == nil {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("srvproc: %s not ready on %s: %w", cfg.Program, s.Addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server and waits for it.
func (s *Server) Stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}
