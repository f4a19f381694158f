package httpbench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPUs the server and wrk are pinned to, when the machine has two.
const (
	serverCPU = 1
	loadCPU   = 0
)

// server is a server under test running in its own process.
type server struct {
	impl   string
	addr   string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // set before exited is closed
	dir    string
}

// startServer starts impl on a free loopback port, serving the files
// under root, and returns once it accepts connections. profile, if not
// empty, names the file a Go child writes its CPU profile to.
func startServer(impl, root, profile string) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{impl: impl, addr: addr, exited: make(chan struct{})}
	var cmd *exec.Cmd
	if impl == "nginx" {
		if cmd, s.dir, err = nginxCommand(addr, root); err != nil {
			return nil, err
		}
	} else {
		if goServers[impl] == nil {
			return nil, fmt.Errorf("%w: %q", ErrUnknownImpl, impl)
		}
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd = pinned(context.Background(), serverCPU, self)
		cmd.Env = append(os.Environ(), ChildEnv+"="+impl+" "+addr+" "+root, "GOMAXPROCS=1")
		if profile != "" {
			cmd.Env = append(cmd.Env, ProfileEnv+"="+profile)
		}
	}
	s.cmd = cmd
	cmd.Stderr = os.Stderr
	// taskset execs the server, so the parent-death signal and the pid
	// carry over to it.
	cmd.SysProcAttr = dieWithParent()
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		s.cleanup()
		return nil, fmt.Errorf("httpbench: start %s: %w", impl, err)
	}
	ready := make(chan struct{})
	go func() {
		r := bufio.NewReader(out)
		if impl != "nginx" {
			line, err := r.ReadString('\n')
			if err == nil && strings.TrimSpace(line) == "ready" {
				close(ready)
			} else {
				os.Stderr.WriteString(line)
			}
		}
		io.Copy(os.Stderr, r)
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	if impl == "nginx" {
		go func() {
			if waitDial(addr, s.exited, 10*time.Second) {
				close(ready)
			}
		}()
	}
	select {
	case <-ready:
		return s, nil
	case <-s.exited:
		s.cleanup()
		return nil, fmt.Errorf("%w: %s exited: %v", ErrNotReady, impl, s.err)
	case <-time.After(10 * time.Second):
		s.stop()
		return nil, fmt.Errorf("%w: %s on %s after 10s", ErrNotReady, impl, addr)
	}
}

// waitDial tries to connect to addr until it succeeds, exited is closed
// or timeout passes, and reports whether it connected.
func waitDial(addr string, exited <-chan struct{}, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp4", addr, time.Second); err == nil {
			c.Close()
			return true
		}
		select {
		case <-exited:
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

// pid returns the server's process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// alive returns an error if the server has exited.
func (s *server) alive() error {
	select {
	case <-s.exited:
		return fmt.Errorf("httpbench: %s server exited: %v", s.impl, s.err)
	default:
		return nil
	}
}

// stop asks the server to end with SIGTERM (a profiling child writes its
// profile), kills it if it has not ended within five seconds, and
// removes its temporary files.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cleanup()
}

func (s *server) cleanup() {
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// canPin reports whether both pinning CPUs exist and taskset is
// installed.
func canPin() bool {
	if runtime.NumCPU() <= max(serverCPU, loadCPU) {
		return false
	}
	_, err := exec.LookPath("taskset")
	return err == nil
}

// pinned returns a command for name bound to cpu with taskset, when it
// can pin.
func pinned(ctx context.Context, cpu int, name string, args ...string) *exec.Cmd {
	if canPin() {
		return exec.CommandContext(ctx, "taskset", append([]string{"-c", strconv.Itoa(cpu), name}, args...)...)
	}
	return exec.CommandContext(ctx, name, args...)
}

// freePort asks the kernel for an unused loopback port.
func freePort() (string, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
