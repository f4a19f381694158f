//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package eddy

import (
	"errors"
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// Child processes on the kqueue backend (EVFILT_PROC). The programs are
// the ones macOS and the BSDs all have in /bin.

func TestKqueueSpawnExitCodes(t *testing.T) {
	leakcheck.Check(t)
	if st := spawnStatus(t, ProcessOptions{Path: "sh", Args: []string{"sh", "-c", "exit 0"}}); !st.Success() {
		t.Fatalf("status %v", st)
	}
	if st := spawnStatus(t, ProcessOptions{Path: "/bin/sh", Args: []string{"sh", "-c", "exit 3"}}); st.Code != 3 || st.Signal != 0 {
		t.Fatalf("status %v", st)
	}
}

func TestKqueueSpawnOutput(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var out, errb []byte
	var oerr, eerr error
	var st ExitStatus
	p, err := l.Spawn(ProcessOptions{
		Path:          "/bin/sh",
		Args:          []string{"sh", "-c", "echo $FOO; echo oops >&2; exit 1"},
		Env:           []string{"FOO=bar"},
		Stdout:        StdioPipe,
		Stderr:        StdioPipe,
		StdoutHandler: collect(&out, &oerr),
		StderrHandler: collect(&errb, &eerr),
		OnExit:        func(_ *Process, s ExitStatus) { st = s },
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Stdout() == nil || p.Stderr() == nil || p.Stdin() != nil {
		t.Fatal("wrong set of piped streams")
	}
	run(t, l)
	if string(out) != "bar\n" || string(errb) != "oops\n" || st.Code != 1 || oerr != nil || eerr != nil {
		t.Fatalf("stdout %q stderr %q status %v close errors %v, %v", out, errb, st, oerr, eerr)
	}
}

func TestKqueueSpawnStdin(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var out []byte
	var oerr error
	p, err := l.Spawn(ProcessOptions{
		Path:          "/bin/cat",
		Stdin:         StdioPipe,
		Stdout:        StdioPipe,
		StdoutHandler: collect(&out, &oerr),
	})
	if err != nil {
		t.Fatal(err)
	}
	l.NextTick(func() {
		p.Stdin().Write([]byte("through cat"))
		p.Stdin().Close()
	})
	run(t, l)
	if string(out) != "through cat" || !p.Status().Success() {
		t.Fatalf("read %q, status %v", out, p.Status())
	}
}

func TestKqueueSpawnKill(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var st ExitStatus
	p, err := l.Spawn(ProcessOptions{Path: "/bin/sleep", Args: []string{"sleep", "100"}})
	if err != nil {
		t.Fatal(err)
	}
	p.Wait().OnSettle(func(s ExitStatus, err error) {
		st = s
		if err := p.Signal(syscall.SIGTERM); !errors.Is(err, ErrProcessDone) {
			t.Errorf("signal after exit: %v", err)
		}
	})
	l.NextTick(func() {
		if err := p.Signal(syscall.SIGTERM); err != nil {
			t.Error(err)
		}
	})
	run(t, l)
	if st.Signal != syscall.SIGTERM || st.Code != -1 {
		t.Fatalf("status %v", st)
	}
}

// A child that exits before the loop first waits is still reaped once.
func TestKqueueSpawnManyQuick(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	const n = 20
	exits := 0
	for i := 0; i < n; i++ {
		_, err := l.Spawn(ProcessOptions{
			Path:   "/bin/sh",
			Args:   []string{"sh", "-c", "exit 0"},
			OnExit: func(*Process, ExitStatus) { exits++ },
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	run(t, l)
	if exits != n {
		t.Fatalf("%d exits reported, want %d", exits, n)
	}
}

func TestKqueueSpawnExecError(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	missing := filepath.Join(t.TempDir(), "nope")
	p, err := l.Spawn(ProcessOptions{Path: missing, Stdout: StdioPipe})
	var ee *ExecError
	if p != nil || !errors.As(err, &ee) || !errors.Is(err, fs.ErrNotExist) || ee.Path != missing {
		t.Fatalf("got %v, %v; want an *ExecError matching fs.ErrNotExist", p, err)
	}
	run(t, l) // nothing keeps it alive
}

func TestKqueueSpawnUnref(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	p, err := l.Spawn(ProcessOptions{Path: "/bin/sleep", Args: []string{"sleep", "100"}})
	if err != nil {
		t.Fatal(err)
	}
	p.Unref()
	var werr error
	p.Wait().OnSettle(func(_ ExitStatus, err error) { werr = err })
	run(t, l) // returns at once: the process does not keep the loop alive
	if !errors.Is(werr, ErrLoopStopped) {
		t.Fatalf("future settled with %v, want ErrLoopStopped", werr)
	}
	_ = syscall.Kill(p.Pid(), syscall.SIGKILL) // reaped by the loop's goroutine
}

// The pidfd and forced-SIGCHLD variants of process_test.go do not apply
// here; say so rather than leave them out silently.
func TestKqueueSpawnLinuxOnlyTests(t *testing.T) {
	t.Skip("process_test.go is Linux-only: it tests pidfds and the forced SIGCHLD fallback (forceSigchld); " +
		"here exits come through EVFILT_PROC, tested above, and SIGCHLD is used only when kevent refuses a pid")
}
