//go:build linux

package eddy

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

func TestSpawnTrue(t *testing.T) {
	leakcheck.Check(t)
	st := spawnStatus(t, ProcessOptions{Path: "/bin/true"})
	if !st.Success() || st.String() != "exit status 0" {
		t.Fatalf("status %v", st)
	}
}

func TestSpawnExitCode(t *testing.T) {
	leakcheck.Check(t)
	st := spawnStatus(t, ProcessOptions{Path: "/bin/sh", Args: []string{"sh", "-c", "exit 3"}})
	if st.Code != 3 || st.Signal != 0 || st.Success() {
		t.Fatalf("status %v", st)
	}
}

func TestSpawnLooksUpPath(t *testing.T) {
	leakcheck.Check(t)
	if st := spawnStatus(t, ProcessOptions{Path: "true"}); !st.Success() {
		t.Fatalf("status %v", st)
	}
}

// runOutput runs a process with its stdout and stderr piped.
func runOutput(t *testing.T, o ProcessOptions) (stdout, stderr string, st ExitStatus) {
	t.Helper()
	l := newLoop(t)
	var out, errb []byte
	var oerr, eerr error
	o.Stdout, o.Stderr = StdioPipe, StdioPipe
	o.StdoutHandler, o.StderrHandler = collect(&out, &oerr), collect(&errb, &eerr)
	o.OnExit = func(_ *Process, s ExitStatus) { st = s }
	p, err := l.Spawn(o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Stdout() == nil || p.Stderr() == nil || p.Stdin() != nil {
		t.Fatal("wrong set of piped streams")
	}
	run(t, l)
	if oerr != nil || eerr != nil {
		t.Fatalf("close errors %v, %v", oerr, eerr)
	}
	return string(out), string(errb), st
}

func TestSpawnStdout(t *testing.T) {
	leakcheck.Check(t)
	out, errs, st := runOutput(t, ProcessOptions{Path: "/bin/echo", Args: []string{"echo", "hello", "world"}})
	if out != "hello world\n" || errs != "" || !st.Success() {
		t.Fatalf("stdout %q stderr %q status %v", out, errs, st)
	}
}

func TestSpawnStderr(t *testing.T) {
	leakcheck.Check(t)
	out, errs, st := runOutput(t, ProcessOptions{Path: "/bin/sh", Args: []string{"sh", "-c", "echo oops >&2; exit 1"}})
	if out != "" || errs != "oops\n" || st.Code != 1 {
		t.Fatalf("stdout %q stderr %q status %v", out, errs, st)
	}
}

func TestSpawnEnvAndDir(t *testing.T) {
	leakcheck.Check(t)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out, _, st := runOutput(t, ProcessOptions{
		Path: "/bin/sh",
		Args: []string{"sh", "-c", "echo $FOO; pwd"},
		Env:  []string{"FOO=bar baz"},
		Dir:  dir,
	})
	if want := "bar baz\n" + dir + "\n"; out != want || !st.Success() {
		t.Fatalf("got %q (status %v), want %q", out, st, want)
	}
}

func TestSpawnStreamStdin(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	in := make([]byte, 4<<20) // far more than a pipe or the write queue holds
	for i := range in {
		in[i] = byte(i*7 + i>>9)
	}
	var out []byte
	var oerr error
	sent, fulls := 0, 0
	feed := func(c *Conn) {
		for sent < len(in) {
			n := min(32<<10, len(in)-sent)
			if err := c.Write(in[sent : sent+n]); errors.Is(err, ErrQueueFull) {
				fulls++
				return // OnDrain calls again
			} else if err != nil {
				t.Errorf("write: %v", err)
				return
			}
			sent += n
		}
		c.Close()
	}
	p, err := l.Spawn(ProcessOptions{
		Path:          "/bin/cat",
		Stdin:         StdioPipe,
		Stdout:        StdioPipe,
		StdinHandler:  &funcHandler{open: feed, drain: feed},
		StdoutHandler: collect(&out, &oerr),
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, l)
	if !bytes.Equal(out, in) || oerr != nil {
		t.Fatalf("echoed %d of %d bytes (equal %v), close %v", len(out), len(in), bytes.Equal(out, in), oerr)
	}
	if fulls == 0 {
		t.Fatal("the write queue never filled: backpressure untested")
	}
	if !p.Status().Success() {
		t.Fatalf("status %v", p.Status())
	}
}

func TestSpawnExecErrors(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\necho hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		o    ProcessOptions
		want error
	}{
		{"missing", ProcessOptions{Path: filepath.Join(dir, "nope")}, fs.ErrNotExist},
		{"not in PATH", ProcessOptions{Path: "eddy-no-such-program"}, fs.ErrNotExist},
		{"not executable", ProcessOptions{Path: plain}, fs.ErrPermission},
		{"missing dir", ProcessOptions{Path: "/bin/true", Dir: filepath.Join(dir, "nodir")}, fs.ErrNotExist},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLoop(t)
			o := tc.o
			o.Stdout = StdioPipe
			o.OnExit = func(*Process, ExitStatus) { t.Error("OnExit ran for a failed exec") }
			p, err := l.Spawn(o)
			var ee *ExecError
			if p != nil || !errors.As(err, &ee) || !errors.Is(err, tc.want) || ee.Path != tc.o.Path {
				t.Fatalf("got %v, %v (%T); want an *ExecError matching %v", p, err, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.o.Path) {
				t.Fatalf("message %q lacks the path", err)
			}
			run(t, l) // nothing keeps it alive
		})
	}
}

func TestSpawnKill(t *testing.T) {
	leakcheck.Check(t)
	for _, fallback := range []bool{false, true} {
		t.Run("sigchld="+strconv.FormatBool(fallback), func(t *testing.T) {
			forceSigchld = fallback
			defer func() { forceSigchld = false }()
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
			if st.Signal != syscall.SIGTERM || st.Code != -1 || st.String() != "signal: terminated" {
				t.Fatalf("status %v", st)
			}
		})
	}
}

func TestSpawnUnref(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	p, err := l.Spawn(ProcessOptions{Path: "/bin/sleep", Args: []string{"sleep", "100"}})
	if err != nil {
		t.Fatal(err)
	}
	p.Unref()
	p.Ref()
	p.Unref()
	var werr error
	p.Wait().OnSettle(func(_ ExitStatus, err error) { werr = err })
	run(t, l) // returns at once: the process does not keep the loop alive
	if !errors.Is(werr, ErrLoopStopped) {
		t.Fatalf("future settled with %v, want ErrLoopStopped", werr)
	}
	// The loop has ended; a goroutine reaps the child once it exits.
	if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
}

// children returns the pids that are children of this process.
func children(t *testing.T) map[int]bool {
	t.Helper()
	kids := map[int]bool{}
	files, _ := filepath.Glob("/proc/self/task/*/children")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread ended
		}
		for _, s := range strings.Fields(string(b)) {
			n, _ := strconv.Atoi(s)
			kids[n] = true
		}
	}
	return kids
}

func TestSpawnManyNoLeaks(t *testing.T) {
	leakcheck.Check(t)
	for _, fallback := range []bool{false, true} {
		t.Run("sigchld="+strconv.FormatBool(fallback), func(t *testing.T) {
			forceSigchld = fallback
			defer func() { forceSigchld = false }()
			const n = 200
			l := newLoop(t)
			var pids []int
			exits, outputs := 0, 0
			for i := 0; i < n; i++ {
				p, err := l.Spawn(ProcessOptions{
					Path:   "/bin/sh",
					Args:   []string{"sh", "-c", "echo " + strconv.Itoa(i) + "; exit " + strconv.Itoa(i%7)},
					Stdout: StdioPipe,
					StdoutHandler: &funcHandler{data: func(_ *Conn, d []byte) int {
						outputs++
						return len(d)
					}},
					OnExit: func(_ *Process, st ExitStatus) {
						if st.Code != i%7 {
							t.Errorf("process %d: %v", i, st)
						}
						exits++
					},
				})
				if err != nil {
					t.Fatal(err)
				}
				pids = append(pids, p.Pid())
			}
			run(t, l)
			if exits != n || outputs < n {
				t.Fatalf("%d exits, %d outputs; want %d", exits, outputs, n)
			}
			kids := children(t)
			for _, pid := range pids {
				if kids[pid] {
					t.Fatalf("pid %d is still a child (zombie)", pid)
				}
				if _, err := syscall.Wait4(pid, nil, syscall.WNOHANG, nil); err != syscall.ECHILD {
					t.Fatalf("wait4(%d): %v, want ECHILD", pid, err)
				}
			}
		})
	}
}

func TestSpawnBadStdio(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	if _, err := l.Spawn(ProcessOptions{Path: "/bin/true", Stdout: Stdio(9)}); err == nil {
		t.Fatal("no error for an invalid Stdio")
	}
	run(t, l)
}

func TestSpawnStdinClosedOnExit(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var cerr error = os.ErrInvalid
	p, err := l.Spawn(ProcessOptions{Path: "/bin/true", Stdin: StdioPipe,
		StdinHandler: &funcHandler{close: func(_ *Conn, err error) { cerr = err }}})
	if err != nil {
		t.Fatal(err)
	}
	run(t, l) // ends: the unused stdin connection closes with the process
	if !p.Stdin().Closed() || cerr == os.ErrInvalid {
		t.Fatalf("stdin closed %v, OnClose %v", p.Stdin().Closed(), cerr)
	}
}

// As with os/exec, the last of several values of a variable wins, so
// that append(os.Environ(), "KEY=value") overrides the parent's KEY.
func TestSpawnEnvLastValueWins(t *testing.T) {
	leakcheck.Check(t)
	out, _, st := runOutput(t, ProcessOptions{
		Path: "/usr/bin/env",
		Env:  []string{"FOO=old", "BAR=1", "FOO=new"},
	})
	if want := "BAR=1\nFOO=new\n"; out != want || !st.Success() {
		t.Fatalf("got %q (status %v), want %q", out, st, want)
	}
}
