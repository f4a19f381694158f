//go:build windows

package eddy

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/eddy-go/eddy/internal/poll"
)

// How a child process runs on Windows:
//
//   - CreateProcess starts it. Each piped stream is a named pipe: the
//     loop's end is opened with FILE_FLAG_OVERLAPPED and becomes a *Conn
//     on the loop's completion port (ReadFile and WriteFile complete like
//     socket reads and writes), the child's end is an ordinary inheritable
//     handle. Handles are made inheritable only under syscall.ForkLock, as
//     os/exec does, so no other spawn leaks them into its child.
//   - The process handle is registered with the poller and armed with
//     Notify: the system thread pool waits for it
//     (RegisterWaitForSingleObject) and posts a completion when it is
//     signaled, so no goroutine waits for the child.
//
// Windows has no signals: Signal(os.Kill) calls TerminateProcess, and the
// exit status is then Code 1; other signals give an error.

// sysProc is the Windows part of a Process.
type sysProc struct {
	fd     poll.FD // the registered process handle
	handle bool    // fd holds a registered handle
}

// procOwner is the Process as the poller sees it.
type procOwner Process

// procTable is a loop's set of running children.
type procTable struct {
	procs map[*Process]struct{}
}

func (l *Loop) procs() *procTable {
	if t, ok := l.procState.(*procTable); ok {
		return t
	}
	t := &procTable{procs: map[*Process]struct{}{}}
	l.procState = t
	l.OnExit(func() {
		l.procState = nil
		for p := range t.procs {
			delete(t.procs, p)
			p.release()
			if !p.exited {
				// Windows leaves no zombie: the child runs on alone.
				p.abandon()
			}
		}
	})
	return t
}

// pipeSeq numbers the named pipes this process creates.
var pipeSeq atomic.Uint64

// Spawn starts a child process and returns at once; OnExit and the future
// of Wait report its end. A program that cannot be started gives an
// *ExecError, and then no process exists and no callback runs. Piped
// streams are connections on this loop whose handlers' OnOpen runs on the
// next turn. Loop-only.
func (l *Loop) Spawn(o ProcessOptions) (*Process, error) {
	if err := l.opening(); err != nil {
		return nil, err
	}
	path, err := lookPathWin(o.Path)
	if err != nil {
		return nil, err
	}
	args := o.Args
	if len(args) == 0 {
		args = []string{o.Path}
	}
	var (
		child    []windows.Handle // the child's ends, closed after start
		parent   [3]windows.Handle
		std      [3]windows.Handle
		modes    = [3]Stdio{o.Stdin, o.Stdout, o.Stderr}
		handlers = [3]Handler{o.StdinHandler, o.StdoutHandler, o.StderrHandler}
	)
	closeAll := func() {
		for _, h := range child {
			windows.CloseHandle(h)
		}
		for _, h := range parent {
			if h != 0 {
				windows.CloseHandle(h)
			}
		}
	}
	syscall.ForkLock.Lock()
	for i, m := range modes {
		var h windows.Handle
		switch m {
		case StdioIgnore:
			h, err = openNul()
			if err == nil {
				child = append(child, h)
			}
		case StdioInherit:
			h, err = inheritStd(i)
			if err == nil && h != 0 {
				child = append(child, h)
			}
		case StdioPipe:
			var mine windows.Handle
			mine, h, err = makePipe(i == 0)
			if err == nil {
				parent[i] = mine
				child = append(child, h)
			}
		default:
			err = fmt.Errorf("eddy: spawn: invalid Stdio %d", m)
		}
		if err != nil {
			syscall.ForkLock.Unlock()
			closeAll()
			return nil, err
		}
		std[i] = h
	}
	pi, err := createProcess(path, args, o.Env, o.Dir, std)
	syscall.ForkLock.Unlock()
	for _, h := range child {
		windows.CloseHandle(h)
	}
	child = nil
	if err != nil {
		closeAll()
		return nil, &ExecError{Path: o.Path, Err: err}
	}
	windows.CloseHandle(pi.Thread)
	p := &Process{loop: l, pid: int(pi.ProcessId), onExit: o.OnExit}
	l.refs++
	t := l.procs()
	t.procs[p] = struct{}{}
	if err := l.poller.Register(&p.fd, pi.Process, (*procOwner)(p)); err != nil {
		windows.CloseHandle(pi.Process)
		closeAll()
		return nil, err
	}
	p.handle = true
	if err := l.poller.Notify(&p.fd); err != nil {
		_ = windows.TerminateProcess(pi.Process, 1)
		p.release()
		delete(t.procs, p)
		l.refs--
		closeAll()
		return nil, err
	}
	err = p.openStdio(func(i int) (*Conn, error) {
		h := parent[i]
		if h == 0 {
			return nil, nil
		}
		parent[i] = 0
		return l.pipeConn(h, stdioHandler(handlers[i]), i == 0)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// pipeConn puts the loop's end of a child's pipe on the loop as a
// connection, as NewStream does for a descriptor.
func (l *Loop) pipeConn(h windows.Handle, hd Handler, writeOnly bool) (*Conn, error) {
	c := l.newConn(netPipe, hd)
	if writeOnly {
		c.flags |= cNoRead
	}
	if err := c.attach(h); err != nil {
		windows.CloseHandle(h)
		c.closeNow(nil)
		return nil, opError("open", "pipe", nil, err)
	}
	l.NextTick(func() {
		if c.flags&cClosed == 0 {
			c.start()
		}
	})
	return c, nil
}

// lookPathWin finds a program named without a path separator in %PATH%,
// with the extensions of %PATHEXT%.
func lookPathWin(path string) (string, error) {
	if path == "" {
		return "", &ExecError{Path: path, Err: fs.ErrNotExist}
	}
	found, err := exec.LookPath(path)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			err = fmt.Errorf("%w in %%PATH%%", fs.ErrNotExist)
		} else if errors.Is(err, exec.ErrDot) {
			return found, nil
		}
		var ee *exec.Error
		if errors.As(err, &ee) {
			err = ee.Err
		}
		return "", &ExecError{Path: path, Err: err}
	}
	return found, nil
}

// inheritable returns security attributes that let a child inherit the
// handle.
func inheritable() *windows.SecurityAttributes {
	sa := &windows.SecurityAttributes{InheritHandle: 1}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	return sa
}

// openNul opens the null device for a child.
func openNul() (windows.Handle, error) {
	name, _ := windows.UTF16PtrFromString("NUL")
	h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, inheritable(), windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		return 0, os.NewSyscallError("createfile", err)
	}
	return h, nil
}

// inheritStd returns an inheritable duplicate of this process's standard
// stream i, or 0 when it has none.
func inheritStd(i int) (windows.Handle, error) {
	ids := [3]uint32{windows.STD_INPUT_HANDLE, windows.STD_OUTPUT_HANDLE, windows.STD_ERROR_HANDLE}
	h, err := windows.GetStdHandle(ids[i])
	if err != nil || h == 0 || h == windows.InvalidHandle {
		return 0, nil
	}
	cur := windows.CurrentProcess()
	var dup windows.Handle
	if err := windows.DuplicateHandle(cur, h, cur, &dup, 0, true, windows.DUPLICATE_SAME_ACCESS); err != nil {
		return 0, nil // not a handle that can be passed on: the child goes without
	}
	return dup, nil
}

// makePipe creates a named pipe. The loop's end is overlapped and not
// inheritable; the child's end is inheritable and synchronous. toChild
// says which way the bytes go.
func makePipe(toChild bool) (mine, theirs windows.Handle, err error) {
	name := fmt.Sprintf(`\\.\pipe\eddy-%d-%d`, os.Getpid(), pipeSeq.Add(1))
	n16, _ := windows.UTF16PtrFromString(name)
	access, childAccess := uint32(windows.PIPE_ACCESS_INBOUND), uint32(windows.GENERIC_WRITE)
	if toChild {
		access, childAccess = windows.PIPE_ACCESS_OUTBOUND, windows.GENERIC_READ
	}
	mine, err = windows.CreateNamedPipe(n16, access|windows.FILE_FLAG_OVERLAPPED|windows.FILE_FLAG_FIRST_PIPE_INSTANCE,
		windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE|windows.PIPE_WAIT, 1, 64<<10, 64<<10, 0, nil)
	if err != nil {
		return 0, 0, os.NewSyscallError("createnamedpipe", err)
	}
	theirs, err = windows.CreateFile(n16, childAccess|windows.FILE_READ_ATTRIBUTES, 0, inheritable(), windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		windows.CloseHandle(mine)
		return 0, 0, os.NewSyscallError("createfile", err)
	}
	return mine, theirs, nil
}

// createProcess starts path with the standard handles std.
func createProcess(path string, args, env []string, dir string, std [3]windows.Handle) (*windows.ProcessInformation, error) {
	app, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, err
	}
	cmd, err := windows.UTF16PtrFromString(windows.ComposeCommandLine(args))
	if err != nil {
		return nil, err
	}
	var dir16 *uint16
	if dir != "" {
		if dir16, err = windows.UTF16PtrFromString(dir); err != nil {
			return nil, err
		}
	}
	var envBlock *uint16
	flags := uint32(windows.CREATE_UNICODE_ENVIRONMENT)
	if env != nil {
		envBlock = makeEnvBlock(lastEnv(env, true))
	}
	si := &windows.StartupInfo{Flags: windows.STARTF_USESTDHANDLES}
	si.Cb = uint32(unsafe.Sizeof(*si))
	si.StdInput, si.StdOutput, si.StdErr = std[0], std[1], std[2]
	pi := &windows.ProcessInformation{}
	if err := windows.CreateProcess(app, cmd, nil, nil, true, flags, envBlock, dir16, si, pi); err != nil {
		return nil, err
	}
	return pi, nil
}

// makeEnvBlock builds a Unicode environment block: KEY=value strings,
// each ended by a NUL, and one more NUL at the end.
func makeEnvBlock(env []string) *uint16 {
	var b []uint16
	for _, kv := range env {
		if strings.IndexByte(kv, 0) >= 0 {
			continue
		}
		b = append(b, utf16.Encode([]rune(kv))...)
		b = append(b, 0)
	}
	if len(b) == 0 {
		b = append(b, 0)
	}
	b = append(b, 0)
	return &b[0]
}

// release unregisters and closes the process handle.
func (p *Process) release() {
	if p.handle {
		p.handle = false
		_ = p.loop.poller.Close(&p.fd)
	}
}

// reap collects the exit code of a process whose handle was signaled.
func (p *Process) reap() bool {
	if p.exited {
		return true
	}
	var code uint32
	if err := windows.GetExitCodeProcess(p.fd.Sock(), &code); err != nil {
		return false
	}
	if code == 259 { // STILL_ACTIVE
		return false
	}
	p.release()
	if t, ok := p.loop.procState.(*procTable); ok {
		delete(t.procs, p)
	}
	p.finish(ExitStatus{Code: int(code)})
	return true
}

// Signal sends sig to the process. Windows has no signals: os.Kill (and
// syscall.SIGKILL) terminates the process with exit code 1; others give
// an error. It returns ErrProcessDone once the process has been reaped.
func (p *Process) Signal(sig os.Signal) error {
	if p.exited {
		return ErrProcessDone
	}
	if sig != os.Kill && sig != syscall.SIGKILL {
		return fmt.Errorf("eddy: signal %v: %w", sig, errors.ErrUnsupported)
	}
	if err := windows.TerminateProcess(p.fd.Sock(), 1); err != nil {
		return os.NewSyscallError("terminateprocess", err)
	}
	return nil
}

// NotifyDone reports that the process handle was signaled: it exited.
func (o *procOwner) NotifyDone(err error) {
	p := (*Process)(o)
	if p.reap() || err != nil || !p.handle {
		return
	}
	_ = p.loop.poller.Notify(&p.fd)
}

// Unused completions of a process handle.
func (o *procOwner) ReadDone([]byte, error)           {}
func (o *procOwner) WriteDone(error)                  {}
func (o *procOwner) ConnectDone(error)                {}
func (o *procOwner) AcceptDone(poll.Sock, error)      {}
func (o *procOwner) RecvDone([]byte, net.Addr, error) {}
