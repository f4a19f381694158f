//go:build linux

package eddy

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/eddy-go/eddy/internal/poll"
)

// How a child's exit reaches the loop on Linux:
//
//   - With a pidfd (Linux 5.3 and later; syscall.ForkExec returns one
//     through SysProcAttr.PidFD), the pidfd is registered with the loop's
//     poller and armed with Notify: it becomes readable when the process
//     exits, and NotifyDone reaps it with wait4(pid, WNOHANG). Signals
//     are sent with pidfd_send_signal, which cannot hit a recycled pid.
//   - Without one, the loop watches SIGCHLD (one unref'd Signal handler
//     per loop, installed before the first such fork) and, on each
//     SIGCHLD, tries wait4(pid, WNOHANG) for each of its own children
//     that is still running. Only the loop's own pids are waited for, so
//     other children of the program are left to their owners.
//
// Either way a child is reaped exactly once, by its loop, and no zombie
// is left behind.

// sysProc is the Linux part of a Process.
type sysProc struct {
	fd       poll.FD // the registered pidfd
	hasPidfd bool    // fd holds a registered pidfd
}

// procOwner is the Process as the poller sees it: the completion method
// stays out of Process's API.
type procOwner Process

// forceSigchld makes Spawn use the SIGCHLD path even where pidfds exist
// (tests).
var forceSigchld bool

// procTable is a loop's set of running children.
type procTable struct {
	loop  *Loop
	procs map[*Process]struct{}
	sig   *Signal // the SIGCHLD handler, once needed
}

// watchSigchld installs the loop's SIGCHLD handler if it has none.
func (t *procTable) watchSigchld() error {
	if t.sig != nil {
		return nil
	}
	s, err := t.loop.Signal(syscall.SIGCHLD, func(os.Signal) { t.reapAll() })
	if err != nil {
		return err
	}
	s.Unref() // the processes themselves keep the loop alive
	t.sig = s
	return nil
}

// reapAll tries to reap each child that has no pidfd.
func (t *procTable) reapAll() {
	for p := range t.procs {
		if !p.hasPidfd {
			p.reap()
		}
	}
}

// teardown runs when the loop ends: children still running are left to
// run, and each is reaped by a goroutine of its own when it exits.
func (t *procTable) teardown() {
	t.loop.procState = nil
	for p := range t.procs {
		delete(t.procs, p)
		if p.hasPidfd {
			_ = t.loop.poller.Close(&p.fd)
			p.hasPidfd = false
		}
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

// Spawn starts a child process and returns at once; OnExit and the future
// of Wait report its end. A program that cannot be started (not found,
// not executable) gives an *ExecError, and then no process exists and no
// callback runs. Piped streams are connections on this loop whose
// handlers' OnOpen runs on the next turn. Loop-only.
//
// On Linux the exit is noticed through a pidfd where the kernel has them,
// and through SIGCHLD otherwise (see the package's process notes).
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
	var (
		files    [3]uintptr
		child    []*os.File // closed once the child has started
		parent   [3]*os.File
		devnull  *os.File
		modes    = [3]Stdio{o.Stdin, o.Stdout, o.Stderr}
		handlers = [3]Handler{o.StdinHandler, o.StdoutHandler, o.StderrHandler}
	)
	closeAll := func() {
		for _, f := range child {
			f.Close()
		}
		for _, f := range parent {
			if f != nil {
				f.Close()
			}
		}
	}
	for i, m := range modes {
		switch m {
		case StdioIgnore:
			if devnull == nil {
				devnull, err = os.OpenFile(os.DevNull, os.O_RDWR, 0)
				if err != nil {
					closeAll()
					return nil, err
				}
				child = append(child, devnull)
			}
			files[i] = devnull.Fd()
		case StdioInherit:
			files[i] = uintptr(i)
		case StdioPipe:
			r, w, err := os.Pipe()
			if err != nil {
				closeAll()
				return nil, err
			}
			if i == 0 {
				child, parent[i] = append(child, r), w
			} else {
				child, parent[i] = append(child, w), r
			}
			files[i] = child[len(child)-1].Fd()
		default:
			closeAll()
			return nil, fmt.Errorf("eddy: spawn: invalid Stdio %d", m)
		}
	}
	t := l.procs()
	pidfd := -1
	sys := &syscall.SysProcAttr{}
	if forceSigchld {
		if err := t.watchSigchld(); err != nil {
			closeAll()
			return nil, err
		}
	} else {
		sys.PidFD = &pidfd
	}
	pid, err := syscall.ForkExec(path, args, &syscall.ProcAttr{Dir: o.Dir, Env: env, Files: files[:], Sys: sys})
	for _, f := range child {
		f.Close()
	}
	child = nil
	if err != nil {
		closeAll()
		return nil, &ExecError{Path: o.Path, Err: err}
	}
	p := &Process{loop: l, pid: pid, onExit: o.OnExit}
	l.refs++
	t.procs[p] = struct{}{}
	if pidfd >= 0 {
		if err := l.poller.Register(&p.fd, pidfd, (*procOwner)(p)); err != nil {
			unix.Close(pidfd)
		} else if err := l.poller.Notify(&p.fd); err != nil {
			_ = l.poller.Close(&p.fd)
		} else {
			p.hasPidfd = true
		}
	}
	if !p.hasPidfd {
		// No pidfd: reap on SIGCHLD. A SIGCHLD that came before the
		// handler existed is covered by trying once now.
		if err := t.watchSigchld(); err != nil {
			l.cfg.logger.Error("eddy: spawn: cannot watch SIGCHLD", "err", err)
		}
		l.NextTick(func() { p.reap() })
	}
	err = p.openStdio(func(i int) (*Conn, error) {
		f := parent[i]
		if f == nil {
			return nil, nil
		}
		parent[i] = nil
		defer f.Close()
		return l.NewStream(f, stdioHandler(handlers[i]))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
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
	if p.hasPidfd {
		_ = p.loop.poller.Close(&p.fd)
		p.hasPidfd = false
	}
	if t, ok := p.loop.procState.(*procTable); ok {
		delete(t.procs, p)
	}
	p.finish(st)
	return true
}

// Signal sends sig to the process. It returns ErrProcessDone once the
// process has been reaped. With a pidfd the signal cannot reach another
// process that reused the pid.
func (p *Process) Signal(sig os.Signal) error {
	if p.exited {
		return ErrProcessDone
	}
	s, ok := sig.(syscall.Signal)
	if !ok {
		return fmt.Errorf("eddy: unsupported signal type %T", sig)
	}
	var err error
	if p.hasPidfd {
		err = unix.PidfdSendSignal(p.fd.Sock(), s, nil, 0)
	} else {
		err = syscall.Kill(p.pid, s)
	}
	if err != nil {
		return os.NewSyscallError("kill", err)
	}
	return nil
}

// NotifyDone reports that the pidfd became readable: the child exited.
func (o *procOwner) NotifyDone(err error) {
	p := (*Process)(o)
	if p.reap() || err != nil {
		return
	}
	_ = p.loop.poller.Notify(&p.fd) // not yet: wait again
}

// ReadDone is unused: a pidfd is never read.
func (o *procOwner) ReadDone([]byte, error) {}
