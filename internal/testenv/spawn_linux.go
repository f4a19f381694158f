package testenv

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// setParentDeath asks the kernel to kill the server when the thread that
// started it exits, so that a test binary killed before its cleanups run
// (say by -timeout) leaves no servers behind.
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

type spawnRequest struct {
	cmd  *exec.Cmd
	done chan error
}

var (
	spawnOnce     sync.Once
	spawnRequests chan spawnRequest
)

// spawn starts cmd from processSpawner's thread.
func spawn(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnRequests = make(chan spawnRequest)
		go processSpawner(spawnRequests)
	})
	req := spawnRequest{cmd: cmd, done: make(chan error, 1)}
	spawnRequests <- req
	return <-req.done
}

// processSpawner starts every server process, from one OS thread that it
// keeps locked and alive for the life of the test binary. The parent-death
// signal fires when the starting *thread* exits, and Go ends a thread when
// a goroutine locked to it returns (eddy's loops lock threads), so starting
// from an arbitrary test goroutine could kill a server mid-test.
// internal/leakcheck ignores this goroutine.
func processSpawner(reqs <-chan spawnRequest) {
	runtime.LockOSThread()
	for req := range reqs {
		req.done <- req.cmd.Start()
	}
}
