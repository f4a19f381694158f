//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package eddy

import (
	"fmt"
	"os"
	"syscall"

	"github.com/eddy-go/eddy/internal/poll"
)

// How a child's exit reaches the loop on macOS and the BSDs: its pid is
// registered with the loop's kqueue (EVFILT_PROC, NOTE_EXIT) and armed
// with Notify; NotifyDone reaps it with wait4(pid, WNOHANG). A child that
// exited before the registration is caught by one reap attempt on the
// next turn. Should the registration fail, the loop falls back to
// SIGCHLD, as Linux does without pidfds. The pid cannot be reused before that reap, so Signal's kill
// cannot hit another process. Only the loop's own pids are waited for.

// sysProc is the kqueue part of a Process.
type sysProc struct {
	fd      poll.FD // the EVFILT_PROC registration
	watched bool    // fd is registered
}

// procOwner is the Process as the poller sees it: the completion method
// stays out of Process's API.
type procOwner Process

// procTable is a loop's set of running children.
type procTable struct {
	loop  *Loop
	procs map[*Process]struct{}
	sig   *Signal // the SIGCHLD fallback, once needed
}

// watchSigchld installs the loop's SIGCHLD handler if it has none: the
// fallback for a child whose kqueue registration failed.
func (t *procTable) watchSigchld() error {
	if t.sig != nil {
		return nil
	}
	s, err := t.loop.Signal(syscall.SIGCHLD, func(os.Signal) {
		for p := range t.procs {
			if !p.watched {
				p.reap()
			}
		}
	})
	if err != nil {
		return err
	}
	s.Unref() // the processes themselves keep the loop alive
	t.sig = s
	return nil
}

// teardown runs when the loop ends: children still running are left to
// run, and each is reaped by a goroutine of its own when it exits.
func (t *procTable) teardown() {
	t.loop.procState = nil
	for p := range t.procs {
		delete(t.procs, p)
		p.unwatch()
		if !p.exited {
			p.abandon()
			pid := p.pid
			go func() {
				for {
					_, err := syscall.Wait4(pid, nil, 0, nil)
					if err != syscall.EINTR {
						return
					}
				}
			}()
		}
	}
}

// unwatch drops the kqueue registration.
func (p *Process) unwatch() {
	if p.watched {
		p.watched = false
		_ = p.loop.poller.Close(&p.fd)
	}
}

// Spawn starts a child process and returns at once; OnExit and the future
// of Wait report its end. A program that cannot be started (not found,
// not executable) gives an *ExecError, and then no process exists and no
// callback runs. Piped streams are connections on this loop whose
// handlers' OnOpen runs on the next turn. Loop-only.
//
// On macOS and the BSDs the exit is noticed through kqueue's EVFILT_PROC.
func (l *Loop) Spawn(o ProcessOptions) (*Process, error) {
	if err := l.opening(); err != nil {
		return nil, err
	}
	path, err := lookPath(o.Path)
	if err != nil {
		return nil, err
	}
	args := o.Args
	if len(args) == 0 {
		args = []string{o.Path}
	}
	env := childEnv(o.Env)
	var st spawnStdio
	if err := st.open([3]Stdio{o.Stdin, o.Stdout, o.Stderr}); err != nil {
		return nil, err
	}
	t := l.procs()
	pid, err := syscall.ForkExec(path, args, &syscall.ProcAttr{Dir: o.Dir, Env: env, Files: st.files[:]})
	st.closeChild()
	if err != nil {
		st.closeParent()
		return nil, &ExecError{Path: o.Path, Err: err}
	}
	p := &Process{loop: l, pid: pid, onExit: o.OnExit}
	l.refs++
	t.procs[p] = struct{}{}
	if err := poll.WatchProcess(l.poller, &p.fd, pid, (*procOwner)(p)); err == nil {
		if err := l.poller.Notify(&p.fd); err != nil {
			_ = l.poller.Close(&p.fd)
		} else {
			p.watched = true
		}
	}
	if !p.watched {
		// No kqueue watch: reap on SIGCHLD instead.
		if err := t.watchSigchld(); err != nil {
			l.cfg.logger.Error("eddy: spawn: cannot watch SIGCHLD", "err", err)
		}
	}
	// A child that exited before the registration may never be announced
	// (systems differ), nor one whose SIGCHLD came before the handler:
	// try once on the next turn.
	l.NextTick(func() { p.reap() })
	handlers := [3]Handler{o.StdinHandler, o.StdoutHandler, o.StderrHandler}
	err = p.openStdio(func(i int) (*Conn, error) {
		f := st.parent[i]
		if f == nil {
			return nil, nil
		}
		st.parent[i] = nil
		defer f.Close()
		return l.NewStream(f, stdioHandler(handlers[i]))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// spawnStdio holds the descriptors of a child's standard streams while
// it starts: the child's ends, closed once it runs, and the parent's.
type spawnStdio struct {
	files  [3]uintptr
	child  []*os.File
	parent [3]*os.File
}

// open makes the child's streams as modes say.
func (s *spawnStdio) open(modes [3]Stdio) error {
	var devnull *os.File
	for i, m := range modes {
		switch m {
		case StdioIgnore:
			if devnull == nil {
				f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
				if err != nil {
					s.closeChild()
					s.closeParent()
					return err
				}
				devnull = f
				s.child = append(s.child, f)
			}
			s.files[i] = devnull.Fd()
		case StdioInherit:
			s.files[i] = uintptr(i)
		case StdioPipe:
			r, w, err := os.Pipe()
			if err != nil {
				s.closeChild()
				s.closeParent()
				return err
			}
			if i == 0 {
				s.child, s.parent[i] = append(s.child, r), w
			} else {
				s.child, s.parent[i] = append(s.child, w), r
			}
			s.files[i] = s.child[len(s.child)-1].Fd()
		default:
			s.closeChild()
			s.closeParent()
			return fmt.Errorf("eddy: spawn: invalid Stdio %d", m)
		}
	}
	return nil
}

func (s *spawnStdio) closeChild() {
	for _, f := range s.child {
		f.Close()
	}
	s.child = nil
}

func (s *spawnStdio) closeParent() {
	for i, f := range s.parent {
		if f != nil {
			f.Close()
			s.parent[i] = nil
		}
	}
}

// reap collects the child's exit status if it has exited. It reports
// whether it did.
func (p *Process) reap() bool {
	if p.exited {
		return true
	}
	st, ok := waitNoHang(p.pid)
	if !ok {
		return false
	}
	p.unwatch()
	if t, ok := p.loop.procState.(*procTable); ok {
		delete(t.procs, p)
	}
	p.finish(st)
	return true
}

// Signal sends sig to the process. It returns ErrProcessDone once the
// process has been reaped; until then its pid cannot name another
// process.
func (p *Process) Signal(sig os.Signal) error {
	if p.exited {
		return ErrProcessDone
	}
	s, ok := sig.(syscall.Signal)
	if !ok {
		return fmt.Errorf("eddy: unsupported signal type %T", sig)
	}
	if err := syscall.Kill(p.pid, s); err != nil {
		return os.NewSyscallError("kill", err)
	}
	return nil
}

// NotifyDone reports that kqueue saw the child exit.
func (o *procOwner) NotifyDone(err error) {
	p := (*Process)(o)
	if p.reap() || err != nil || !p.watched {
		return
	}
	_ = p.loop.poller.Notify(&p.fd) // not reapable yet: wait again
}

// ReadDone is unused: a process registration has no reads.
func (o *procOwner) ReadDone([]byte, error) {}
