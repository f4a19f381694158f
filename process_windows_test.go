//go:build windows

package eddy

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestHelperCat is not a test: run as a child (EDDY_HELPER=cat), it
// copies its standard input to its standard output and exits 5.
func TestHelperCat(t *testing.T) {
	if os.Getenv("EDDY_HELPER") != "cat" {
		t.Skip("helper process for the Spawn tests")
	}
	io.Copy(os.Stdout, os.Stdin)
	os.Exit(5)
}

// TestHelperEnv is not a test: run as a child (EDDY_HELPER=env), it
// prints the value of EDDY_DUP.
func TestHelperEnv(t *testing.T) {
	if os.Getenv("EDDY_HELPER") != "env" {
		t.Skip("helper process for the Spawn tests")
	}
	os.Stdout.WriteString(os.Getenv("EDDY_DUP"))
	os.Exit(0)
}

// A key given twice in Env, in any case, takes its last value, as with
// os/exec.
func TestSpawnEnvLastValueWins(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	o := ProcessOptions{
		Path: os.Args[0],
		Args: []string{os.Args[0], "-test.run=^TestHelperEnv$"},
		Env:  append(os.Environ(), "EDDY_HELPER=env", "EDDY_DUP=old", "eddy_dup=new"),
	}
	o.Stdout = StdioPipe
	var out strings.Builder
	o.StdoutHandler = &funcHandler{data: func(c *Conn, d []byte) int { out.Write(d); return len(d) }}
	l.Post(func() {
		if _, err := l.Spawn(o); err != nil {
			t.Error(err)
		}
	})
	run(t, l)
	if got := out.String(); got != "new" {
		t.Fatalf("child saw EDDY_DUP=%q, want new", got)
	}
}

func helperCat() ProcessOptions {
	return ProcessOptions{
		Path: os.Args[0],
		Args: []string{os.Args[0], "-test.run=^TestHelperCat$"},
		Env:  append(os.Environ(), "EDDY_HELPER=cat"),
	}
}

// The child's standard streams are overlapped named pipes on the loop:
// what is written to its stdin comes back on its stdout, closing stdin
// ends it, and its exit code arrives through the process handle.
func TestSpawnPipesThroughChild(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	o := helperCat()
	o.Stdin, o.Stdout = StdioPipe, StdioPipe
	var out strings.Builder
	var outErr error = os.ErrInvalid
	o.StdoutHandler = &funcHandler{
		data:  func(c *Conn, d []byte) int { out.Write(d); return len(d) },
		close: func(_ *Conn, err error) { outErr = err },
	}
	var st ExitStatus
	o.OnExit = func(p *Process, s ExitStatus) { st = s }
	l.Post(func() {
		p, err := l.Spawn(o)
		if err != nil {
			t.Error(err)
			return
		}
		if p.Pid() <= 0 || p.Stdin() == nil || p.Stdout() == nil || p.Stderr() != nil {
			t.Errorf("pid %d stdin %v stdout %v stderr %v", p.Pid(), p.Stdin(), p.Stdout(), p.Stderr())
		}
		p.Stdin().Write([]byte("through the child\n"))
		p.Stdin().Close()
	})
	run(t, l)
	if got := out.String(); got != "through the child\n" {
		t.Fatalf("stdout %q", got)
	}
	if outErr != nil {
		t.Fatalf("stdout closed with %v", outErr)
	}
	if st.Code != 5 || st.Success() {
		t.Fatalf("status %v", st)
	}
}

func TestSpawnExitCodeAndKill(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var codes []int
	l.Post(func() {
		p, err := l.Spawn(ProcessOptions{Path: "cmd", Args: []string{"cmd", "/c", "exit 7"}})
		if err != nil {
			t.Error(err)
			return
		}
		p.Wait().OnSettle(func(st ExitStatus, err error) { codes = append(codes, st.Code) })
		o := helperCat()
		o.Stdin = StdioPipe // never closed: the child waits until killed
		k, err := l.Spawn(o)
		if err != nil {
			t.Error(err)
			return
		}
		if err := k.Signal(os.Interrupt); err == nil {
			t.Error("Signal(os.Interrupt) worked on Windows")
		}
		if err := k.Kill(); err != nil {
			t.Error(err)
		}
		k.Wait().OnSettle(func(st ExitStatus, err error) {
			codes = append(codes, st.Code)
			if k.Kill() != ErrProcessDone {
				t.Error("Kill after exit did not give ErrProcessDone")
			}
		})
	})
	run(t, l)
	if len(codes) != 2 || codes[0]+codes[1] != 8 {
		t.Fatalf("exit codes %v, want 7 and 1", codes)
	}
}

func TestSpawnMissingProgram(t *testing.T) {
	l := newLoop(t)
	_, err := l.Spawn(ProcessOptions{Path: `C:\no\such\program.exe`})
	var ee *ExecError
	if !errors.As(err, &ee) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Spawn = %v, want an ExecError matching fs.ErrNotExist", err)
	}
	_, err = l.Spawn(ProcessOptions{Path: "no-such-program-eddy"})
	if !errors.As(err, &ee) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Spawn = %v, want an ExecError matching fs.ErrNotExist", err)
	}
}
