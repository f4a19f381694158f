package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-go/eddy/bench/internal/procfs"
)

// childCommand returns a command that re-executes this binary with args,
// with GOMAXPROCS=1 and, when pinning, bound to the server CPU: under
// taskset when it is installed, otherwise by the child itself (-cpu).
// The child is killed if this process dies.
func childCommand(args ...string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	name := self
	if cfg.servCPU >= 0 {
		if taskset, err := exec.LookPath("taskset"); err == nil {
			args = append([]string{"-c", strconv.Itoa(cfg.servCPU), self}, args...)
			name = taskset
		} else {
			args = append(args[:1:1], append([]string{"-cpu", strconv.Itoa(cfg.servCPU)}, args[1:]...)...)
		}
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	// taskset execs the target, so the parent-death signal and the pid
	// both carry over to the bench binary.
	cmd.SysProcAttr = dieWithParent()
	return cmd, nil
}

// server is an echo server under test running in a child process.
type server struct {
	impl   string
	addr   netip.AddrPort
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // set before exited is closed
	// wine is set when the server is a Windows binary under Wine.
	wine bool
	// helpers are other processes whose CPU time counts as the server's
	// (wineserver, for a server under Wine).
	helpers []int
}

// startServer starts impl on a free loopback port and returns once it
// accepts connections.
func startServer(impl string) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd, err := childCommand("serve", "-impl", impl, "-addr", addr.String())
	if err != nil {
		return nil, err
	}
	return runServer(impl, addr, cmd, 10*time.Second)
}

// runServer starts cmd, a server of impl listening on addr, and returns
// once it has printed the ready line, or fails after timeout.
func runServer(impl string, addr netip.AddrPort, cmd *exec.Cmd, timeout time.Duration) (*server, error) {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s server: %w", impl, err)
	}
	s := &server{impl: impl, addr: addr, cmd: cmd, exited: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		// The first line announces the listener; pass the rest on.
		r := bufio.NewReader(stdout)
		line, err := r.ReadString('\n')
		if err == nil && strings.TrimSpace(line) == readyLine {
			close(ready)
		} else {
			os.Stderr.WriteString(line)
		}
		io.Copy(os.Stderr, r)
		s.err = cmd.Wait()
		close(s.exited)
	}()
	select {
	case <-ready:
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("bench: %s server exited: %v", impl, s.err)
	case <-time.After(timeout):
		s.stop()
		return nil, fmt.Errorf("bench: %s server not ready on %v after %v", impl, addr, timeout)
	}
}

// freePort asks the kernel for an unused loopback port.
func freePort() (netip.AddrPort, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return netip.AddrPort{}, err
	}
	defer ln.Close()
	return netip.MustParseAddrPort(ln.Addr().String()), nil
}

// pid returns the process id of the server.
func (s *server) pid() int { return s.cmd.Process.Pid }

// alive returns an error if the server has exited.
func (s *server) alive() error {
	select {
	case <-s.exited:
		return fmt.Errorf("bench: %s server exited: %v", s.impl, s.err)
	default:
		return nil
	}
}

// cpu returns the server's CPU time so far, with that of its helpers.
func (s *server) cpu() (time.Duration, error) {
	own, helpers, err := s.cpuSplit()
	return own + helpers, err
}

// cpuSplit returns the CPU time so far of the server process and, apart,
// the sum of its helpers'.
func (s *server) cpuSplit() (own, helpers time.Duration, err error) {
	own, err = procfs.ReadCPUTime(s.pid())
	for _, pid := range s.helpers {
		d, e := procfs.ReadCPUTime(pid)
		helpers += d
		err = errors.Join(err, e)
	}
	return own, helpers, err
}

// rss returns the server's resident set size in bytes.
func (s *server) rss() (int64, error) {
	m, err := procfs.ReadMemory(s.pid())
	return m.RSS, err
}

// waitFDs waits until the server holds at least n file descriptors, that
// is until it has accepted the connections the caller opened.
func (s *server) waitFDs(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		got, err := procfs.CountFDs(s.pid())
		if err != nil {
			return err
		}
		if got >= n {
			return nil
		}
		if err := s.alive(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %s server holds %d fds, want %d", s.impl, got, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop kills the server and waits for it to exit.
func (s *server) stop() {
	s.cmd.Process.Kill()
	<-s.exited
}
