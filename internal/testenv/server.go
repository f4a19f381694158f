package testenv

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	pollInterval = 20 * time.Millisecond
	stopGrace    = 5 * time.Second // SIGTERM to SIGKILL
	restartWait  = 5 * time.Second // how long Start waits for its port
	logTailBytes = 2048
)

// Server is a server process started for one test. Addr, Port and Dir stay
// the same across [Server.Restart]. Stop and Kill are safe for concurrent
// use; Start and Restart must run on the test's goroutine.
type Server struct {
	// Name is the server binary's name, such as "redis-server".
	Name string
	// Addr is the "127.0.0.1:port" the server listens on. Dnsmasq serves
	// both UDP and TCP there.
	Addr string
	// Port is the port of Addr.
	Port int
	// Dir is the server's private temporary directory: its working and
	// data directory, holding its log file. It is removed after the test.
	Dir string
	// Password is the redis password set with [Password], or "".
	Password string

	t            testing.TB
	path         string
	args         func(port int, dir string) []string
	prepare      func(port int, dir string) error
	probe        func(s *Server, pid int) error
	readyTimeout time.Duration
	logPath      string

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is one run of a server.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once Wait has reaped it
}

// spec says how to run one kind of server.
type spec struct {
	name       string // binary
	debPackage string // Debian package holding it, for the install hint
	args       func(port int, dir string) []string
	prepare    func(port int, dir string) error // writes files the server needs; may be nil
	probe      func(s *Server, pid int) error   // nil if ready
	portOK     func(port int) bool              // extra port condition, may be nil
	opts       options
}

// launch finds the binary, starts the server on a free port, waits until
// it answers and registers its stop as a cleanup.
func launch(t testing.TB, sp spec) *Server {
	t.Helper()
	return launchN(t, sp, 1)[0]
}

// launchN starts n servers of one spec at the same time.
func launchN(t testing.TB, sp spec, n int) []*Server {
	t.Helper()
	servers := make([]*Server, n)
	for i := range servers {
		servers[i] = newServer(t, sp)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() { errs[i] = s.startOnFreePort(sp.portOK) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("%v", err)
	}
	return servers
}

// startOnFreePort picks a port and starts the server there, trying other
// ports if the chosen one is taken meanwhile.
func (s *Server) startOnFreePort(portOK func(int) bool) error {
	var err error
	for range 5 {
		var port int
		if port, err = pickPort(portOK); err != nil {
			return err
		}
		s.Port = port
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err = s.start(); !errors.Is(err, errPortInUse) {
			return err
		}
	}
	return err
}

// newServer finds the binary and makes the Server, with no port yet, and
// registers its stop as a cleanup.
func newServer(t testing.TB, sp spec) *Server {
	t.Helper()
	path := requireBinary(t, sp.name, sp.debPackage)
	dir := t.TempDir() // before Cleanup(Stop): the stop runs before removal
	s := &Server{
		Name:         sp.name,
		Dir:          dir,
		Password:     sp.opts.password,
		t:            t,
		path:         path,
		args:         sp.args,
		prepare:      sp.prepare,
		probe:        sp.probe,
		readyTimeout: sp.opts.readyTimeout,
		logPath:      filepath.Join(dir, sp.name+".log"),
	}
	t.Cleanup(s.Stop)
	return s
}

// start runs the server once on s.Port and waits until it answers.
func (s *Server) start() error {
	s.mu.Lock()
	if s.proc != nil {
		s.mu.Unlock()
		return nil
	}
	p, logStart, err := s.spawn()
	if err != nil {
		s.mu.Unlock()
		return &StartError{Server: s.Name, Addr: s.Addr, Err: err, Log: s.logTail(0)}
	}
	s.proc = p
	s.mu.Unlock()

	deadline := time.Now().Add(s.readyTimeout)
	for {
		select {
		case <-p.done:
			s.forget(p)
			err := ErrExited
			if strings.Contains(s.logSince(logStart), "in use") {
				err = fmt.Errorf("%w: %w", ErrExited, errPortInUse)
			}
			return &StartError{Server: s.Name, Addr: s.Addr, Err: err, Log: s.logTail(logStart)}
		default:
		}
		perr := s.probe(s, p.cmd.Process.Pid)
		if perr == nil {
			select {
			case <-p.done: // answered by another process, then died: loop
			default:
				return nil
			}
		}
		if time.Now().After(deadline) {
			s.forget(p)
			p.halt(true)
			return &StartError{Server: s.Name, Addr: s.Addr,
				Err: fmt.Errorf("%w after %v: %v", ErrNotReady, s.readyTimeout, perr), Log: s.logTail(logStart)}
		}
		select {
		case <-p.done:
		case <-time.After(pollInterval):
		}
	}
}

// spawn starts the process with its output appended to the log file, and
// returns it with the log offset where its output begins. s.mu is held.
func (s *Server) spawn() (*process, int64, error) {
	if s.prepare != nil {
		// Its error is the cause: the server would only complain
		// about a file that is not there.
		if err := s.prepare(s.Port, s.Dir); err != nil {
			return nil, 0, fmt.Errorf("testenv: preparing %s: %w", s.Name, err)
		}
	}
	log, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, 0, err
	}
	defer log.Close() // the child has its own copy
	args := s.args(s.Port, s.Dir)
	fmt.Fprintf(log, "=== testenv: %s %s\n", s.path, strings.Join(quote(args), " "))
	start, _ := log.Seek(0, io.SeekEnd)
	cmd := exec.Command(s.path, args...)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = log, log
	setParentDeath(cmd)
	if err := spawn(cmd); err != nil {
		return nil, 0, err
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait() // reap it: no zombies
		close(p.done)
	}()
	return p, start, nil
}

// forget clears s.proc if it is still p.
func (s *Server) forget(p *process) {
	s.mu.Lock()
	if s.proc == p {
		s.proc = nil
	}
	s.mu.Unlock()
}

// halt ends the process and reaps it: with SIGKILL at once if kill is set,
// else with SIGTERM and SIGKILL after a grace period.
func (p *process) halt(kill bool) {
	if !kill {
		if terminate(p.cmd.Process) == nil {
			select {
			case <-p.done:
				return
			case <-time.After(stopGrace):
			}
		}
	}
	p.cmd.Process.Kill()
	<-p.done
}

// Stop shuts the server down gracefully (SIGTERM, then SIGKILL after five
// seconds) and waits for it to exit. It does nothing if the server is not
// running. The test's cleanup calls it. Safe for concurrent use.
func (s *Server) Stop() { s.halt(false) }

// Kill ends the server at once with SIGKILL, like a crash, and waits for
// it to exit. It does nothing if the server is not running. Safe for
// concurrent use.
func (s *Server) Kill() { s.halt(true) }

func (s *Server) halt(kill bool) {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		p.halt(kill)
	}
}

// Start starts a stopped server again on the same port, with the same
// arguments and directory, and waits until it answers; it does nothing if
// the server is running. Data survives only what the server persisted:
// redis with the default options keeps nothing. If the port is still busy
// it retries for a few seconds. Failures call t.Fatalf, so call it from
// the test's goroutine.
func (s *Server) Start() {
	s.t.Helper()
	deadline := time.Now().Add(restartWait)
	for {
		err := s.start()
		if err == nil {
			return
		}
		if !errors.Is(err, errPortInUse) || time.Now().After(deadline) {
			s.t.Fatalf("testenv: restarting: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Restart is [Server.Stop] followed by [Server.Start]. Call it from the
// test's goroutine.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.Start()
}

// Running reports whether the server process is running. Safe for
// concurrent use.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return false
	}
	select {
	case <-s.proc.done:
		return false
	default:
		return true
	}
}

// Pid returns the process id of the running server, or 0 if it is stopped.
// Tests may signal it, for example with SIGSTOP and SIGCONT to make it
// hang. Safe for concurrent use.
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// Log returns everything the server printed, with a "=== testenv:" line
// giving the command before each run. Safe for concurrent use.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// logSince returns the log from offset on.
func (s *Server) logSince(offset int64) string {
	log := s.Log()
	if offset > int64(len(log)) {
		return ""
	}
	return log[offset:]
}

// logTail returns the last bytes of the log from offset on.
func (s *Server) logTail(offset int64) string {
	log := s.logSince(offset)
	if len(log) > logTailBytes {
		log = "..." + log[len(log)-logTailBytes:]
	}
	if log == "" {
		return "(nothing)"
	}
	return log
}

// quote quotes arguments that need it, for the log.
func quote(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'\\$") {
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return out
}
