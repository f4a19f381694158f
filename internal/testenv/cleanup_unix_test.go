//go:build unix

package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// cleanupHelperEnv makes TestCleanupHelper run: it is the child of
// TestServerStoppedWhenTestDies, not a test of its own.
const cleanupHelperEnv = "EDDY_TESTENV_CLEANUP_HELPER"

// TestCleanupHelper starts a redis-server, prints its pid, and ends the
// way the environment says: with a panic, t.Fatal, or t.Fatal in a
// subtest. A cleanup registered before the server's, so run after it,
// prints "stopped PID" once the server is gone.
func TestCleanupHelper(t *testing.T) {
	mode := os.Getenv(cleanupHelperEnv)
	if mode == "" {
		t.Skip("run by TestServerStoppedWhenTestDies")
	}
	body := func(t *testing.T) {
		var pid int
		t.Cleanup(func() {
			if pid != 0 && !alive(pid) {
				fmt.Printf("stopped %d\n", pid)
			}
		})
		s := Redis(t)
		pid = s.Pid()
		fmt.Printf("pid %d\n", pid)
		if mode == "panic" {
			panic("testenv cleanup helper panics")
		}
		t.Fatal("testenv cleanup helper fails")
	}
	if mode == "subtest" {
		t.Run("sub", body)
		return
	}
	body(t)
}

// alive reports whether pid is a process, zombies included.
func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

// A test that panics or fails still stops and reaps its servers before
// the test binary goes on (or exits): none is left running, and none is
// left as a zombie.
func TestServerStoppedWhenTestDies(t *testing.T) {
	requireBinary(t, "redis-server", "redis-server")
	for _, mode := range []string{"panic", "fatal", "subtest"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestCleanupHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), cleanupHelperEnv+"="+mode)
			out, err := cmd.Output()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("helper: %v, want a failure; output:\n%s", err, out)
			}
			var pid int
			stopped := false
			sc := bufio.NewScanner(strings.NewReader(string(out)))
			for sc.Scan() {
				f := strings.Fields(sc.Text())
				if len(f) == 2 && f[0] == "pid" {
					pid, _ = strconv.Atoi(f[1])
				}
				if len(f) == 2 && f[0] == "stopped" && f[1] == strconv.Itoa(pid) {
					stopped = true
				}
			}
			if pid == 0 {
				t.Fatalf("helper printed no pid:\n%s\n%s", out, ee.Stderr)
			}
			if !stopped {
				t.Fatalf("redis-server %d still ran after the cleanups:\n%s", pid, out)
			}
			if alive(pid) {
				t.Fatalf("redis-server %d is left behind", pid)
			}
		})
	}
}
