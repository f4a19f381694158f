package eddy

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/eddy-go/eddy/future"
)

// Errors of child processes. Test for them with errors.Is.
var (
	// ErrProcessDone is returned by Process.Signal once the process has
	// exited and been reaped.
	ErrProcessDone = errors.New("eddy: process already finished")
	// ErrProcessUnsupported is returned by Spawn on systems where this
	// version cannot run child processes on a loop.
	ErrProcessUnsupported = errors.New("eddy: child processes not supported on this system")
)

// Stdio says what a child process gets as one of its standard streams.
type Stdio int

const (
	// StdioIgnore connects the stream to the null device.
	StdioIgnore Stdio = iota
	// StdioInherit gives the child the parent's own stream.
	StdioInherit
	// StdioPipe connects the stream to a pipe whose other end is put on
	// the loop as a *Conn (see Process.Stdin, Stdout and Stderr).
	StdioPipe
)

// ProcessOptions describes a child process for Loop.Spawn.
type ProcessOptions struct {
	// Path is the program to run. A path without a slash is looked up in
	// the directories of $PATH.
	Path string
	// Args is the argument vector, starting with the program's name. When
	// empty, it is []string{Path}.
	Args []string
	// Env is the environment, as "KEY=value" strings. Nil means the
	// parent's environment; an empty non-nil slice means none. As with
	// os/exec, only the last value of a repeated KEY is kept (on Windows,
	// whatever the KEY's case).
	Env []string
	// Dir is the working directory; empty means the parent's.
	Dir string
	// Stdin, Stdout and Stderr say what the child's standard streams are.
	// The zero value is StdioIgnore.
	Stdin, Stdout, Stderr Stdio
	// StdinHandler, StdoutHandler and StderrHandler receive the events of
	// the piped streams (nil: BaseHandler, which discards what it reads).
	// Write to the child through the stdin Conn, with its backpressure
	// (ErrQueueFull, OnDrain), and Close it to send the end of input.
	// Read the child's output in the OnData of the others.
	StdinHandler, StdoutHandler, StderrHandler Handler
	// OnExit, if set, runs on the loop once, when the process has exited
	// and been reaped, before the future of Process.Wait settles. Output
	// may still be on its way then: the exit and the pipes are separate
	// events, and what the child wrote last may be read on a later turn
	// (or later still, while a handler pauses reading; a grandchild that
	// inherited a pipe keeps it open past the child's exit). A piped
	// stream's output is complete when its connection closes (the
	// handler's OnClose), as with libuv and Node's 'exit' and 'close'.
	OnExit func(p *Process, st ExitStatus)
}

// ExitStatus is how a child process ended: with an exit code, or killed
// by a signal.
type ExitStatus struct {
	// Code is the exit code, or -1 when a signal ended the process.
	Code int
	// Signal is the signal that ended the process, or 0 when it exited.
	Signal syscall.Signal
}

// Success reports whether the process exited with code 0.
func (s ExitStatus) Success() bool { return s.Signal == 0 && s.Code == 0 }

// String returns "exit status N" or "signal: NAME".
func (s ExitStatus) String() string {
	if s.Signal != 0 {
		return "signal: " + s.Signal.String()
	}
	return fmt.Sprintf("exit status %d", s.Code)
}

// ExecError is the error of a Spawn whose program could not be started:
// not found (errors.Is(err, fs.ErrNotExist)), not executable
// (fs.ErrPermission), a working directory that does not exist, or a file
// that is not a program. It is reported once, by Spawn; no process
// exists afterwards.
type ExecError struct {
	Path string // the program
	Err  error  // the system error
}

// Error describes the failure.
func (e *ExecError) Error() string { return "eddy: exec " + e.Path + ": " + e.Err.Error() }

// Unwrap returns the system error.
func (e *ExecError) Unwrap() error { return e.Err }

// Process is a child process started by Loop.Spawn. While it runs it
// keeps the loop alive, unless Unref'd. Its methods are loop-only, except
// Pid.
//
// When the loop ends with children still running, they are not killed:
// each is reaped by a goroutine that waits for it, so no zombie is left.
type Process struct {
	loop    *Loop
	pid     int
	stdin   *Conn
	stdout  *Conn
	stderr  *Conn
	onExit  func(*Process, ExitStatus)
	fut     *future.Future[ExitStatus] // made by the first Wait
	prom    *future.Promise[ExitStatus]
	status  ExitStatus
	exited  bool
	stopped bool // the loop ended before the process did
	unref   bool
	sysProc // the system's part: pidfd or SIGCHLD bookkeeping
}

// Pid returns the process id. Safe for concurrent use.
func (p *Process) Pid() int { return p.pid }

// Stdin returns the connection to the child's standard input, or nil when
// it is not piped.
func (p *Process) Stdin() *Conn { return p.stdin }

// Stdout returns the connection from the child's standard output, or nil
// when it is not piped.
func (p *Process) Stdout() *Conn { return p.stdout }

// Stderr returns the connection from the child's standard error, or nil
// when it is not piped.
func (p *Process) Stderr() *Conn { return p.stderr }

// Wait returns a future of the exit status, resolved on the loop once the
// process has exited and been reaped, or rejected with ErrLoopStopped if
// the loop ends first. It is the same future every time. As with OnExit,
// piped output may still be arriving when it resolves: wait for the
// Stdout and Stderr connections' OnClose too.
func (p *Process) Wait() *future.Future[ExitStatus] {
	// The future is made on demand: a process whose owner only set
	// OnExit then leaves no rejected future that nobody handles (an
	// unhandled-rejection report) when the loop stops before it exits.
	if p.fut == nil {
		p.fut, p.prom = future.New[ExitStatus](p.loop)
		switch {
		case p.stopped:
			p.prom.Reject(ErrLoopStopped)
		case p.exited:
			p.prom.Resolve(p.status)
		}
	}
	return p.fut
}

// Exited reports whether the process has exited and been reaped.
func (p *Process) Exited() bool { return p.exited }

// Status returns the exit status; it is meaningful once Exited is true.
func (p *Process) Status() ExitStatus { return p.status }

// Kill sends SIGKILL.
func (p *Process) Kill() error { return p.Signal(os.Kill) }

// Unref stops the process from keeping the loop alive.
func (p *Process) Unref() {
	if !p.unref && !p.exited {
		p.loop.refs--
	}
	p.unref = true
}

// Ref undoes Unref.
func (p *Process) Ref() {
	if p.unref && !p.exited {
		p.loop.refs++
	}
	p.unref = false
}

// finish records the exit status, releases the loop, and tells the
// callback and the future. Loop-only.
func (p *Process) finish(st ExitStatus) {
	if p.exited {
		return
	}
	p.exited = true
	p.status = st
	if !p.unref {
		p.loop.refs--
	}
	if p.stdin != nil {
		// Nobody reads it any more (unless a grandchild inherited it):
		// flush and close, so that it does not keep the loop alive.
		_ = p.stdin.Close()
	}
	if p.onExit != nil {
		p.loop.call(func() { p.onExit(p, st) })
	}
	if p.prom != nil {
		p.prom.Resolve(st)
	}
}

// abandon marks a process that the ending loop leaves running: it no
// longer counts as running on the loop, and Wait's future, if anyone
// asked for it, is rejected with ErrLoopStopped. Loop-only.
func (p *Process) abandon() {
	p.exited = true
	p.stopped = true
	if p.prom != nil {
		p.prom.Reject(ErrLoopStopped)
	}
}

// openStdio puts the parent's ends of a started child's standard streams
// on the loop: open(i) returns the connection for stream i (0 stdin, 1
// stdout, 2 stderr), or nil, nil when that stream is not piped. If any
// fails, the child runs but cannot be talked to: it is killed (and reaped
// as usual), the streams already opened are aborted, and the first error
// is returned after every stream has been tried, so that each one's
// descriptor is released.
func (p *Process) openStdio(open func(i int) (*Conn, error)) error {
	var serr error
	for i, dst := range [3]**Conn{&p.stdin, &p.stdout, &p.stderr} {
		c, err := open(i)
		if err != nil {
			if serr == nil {
				serr = err
			}
			continue
		}
		*dst = c // stdin is a write-only stream: it is never read
	}
	if serr == nil {
		return nil
	}
	_ = p.Kill()
	for _, c := range []*Conn{p.stdin, p.stdout, p.stderr} {
		if c != nil {
			c.Abort()
		}
	}
	return serr
}

// stdioHandler is h, or a handler that does nothing when h is nil.
func stdioHandler(h Handler) Handler {
	if h == nil {
		return BaseHandler{}
	}
	return h
}

// lastEnv keeps the last value of each key of env, in the order of those
// last values, as os/exec does; with fold, keys match without regard to
// case (Windows). A key may start with '=' (Windows's per-drive current
// directories, "=C:=C:\dir"): it ends at the next '='. An entry without
// '=' is kept as it is.
func lastEnv(env []string, fold bool) []string {
	seen := make(map[string]bool, len(env))
	out := make([]string, 0, len(env))
	for i := len(env) - 1; i >= 0; i-- {
		kv := env[i]
		start := 0
		if strings.HasPrefix(kv, "=") {
			start = 1
		}
		j := strings.IndexByte(kv[start:], '=')
		if j < 0 {
			out = append(out, kv) // not KEY=value: passed on as is, as os/exec does
			continue
		}
		key := kv[:start+j]
		if fold {
			key = strings.ToUpper(key)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, kv)
	}
	slices.Reverse(out)
	return out
}
