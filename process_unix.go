//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd

package eddy

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/eddy-go/eddy/internal/poll"
)

// This file holds the parts of child processes that Linux (pidfd) and the
// BSDs (EVFILT_PROC) share.

// procs returns the loop's table of children, made on first use and
// dropped when the loop ends.
func (l *Loop) procs() *procTable {
	if t, ok := l.procState.(*procTable); ok {
		return t
	}
	t := &procTable{loop: l, procs: map[*Process]struct{}{}}
	l.procState = t
	l.OnExit(t.teardown)
	return t
}

// lookPath finds a program named without a slash in $PATH.
func lookPath(path string) (string, error) {
	if path == "" {
		return "", &ExecError{Path: path, Err: fs.ErrNotExist}
	}
	if strings.Contains(path, "/") {
		return path, nil
	}
	found, err := exec.LookPath(path)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			err = fmt.Errorf("%w in $PATH", fs.ErrNotExist)
		}
		return "", &ExecError{Path: path, Err: err}
	}
	return found, nil
}

// Completions a process registration never gets (ReadDone, whose use
// differs, is per system).
func (o *procOwner) WriteDone(error)                  {}
func (o *procOwner) ConnectDone(error)                {}
func (o *procOwner) AcceptDone(poll.Sock, error)      {}
func (o *procOwner) RecvDone([]byte, net.Addr, error) {}

// childEnv returns the environment for a child: the parent's when env is
// nil, else env with only the last value of each variable kept, as
// os/exec does, so that append(os.Environ(), "KEY=value") overrides KEY.
func childEnv(env []string) []string {
	if env == nil {
		return os.Environ()
	}
	return lastEnv(env, false)
}

// waitNoHang collects the exit status of child pid if it has exited,
// without waiting. It reports whether it did; a child someone else reaped
// (a wait for any child elsewhere in the program) counts as exited, with
// its status lost (Code -1).
func waitNoHang(pid int) (ExitStatus, bool) {
	var ws syscall.WaitStatus
	var wpid int
	var err error
	for {
		wpid, err = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if err != syscall.EINTR {
			break
		}
	}
	switch {
	case err == syscall.ECHILD:
		return ExitStatus{Code: -1}, true
	case err != nil || wpid != pid:
		return ExitStatus{}, false
	case ws.Signaled():
		return ExitStatus{Code: -1, Signal: ws.Signal()}, true
	default:
		return ExitStatus{Code: ws.ExitStatus()}, true
	}
}
