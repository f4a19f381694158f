package main

import "syscall"

// dieWithParent has a child killed when this process dies. taskset and
// wine exec their target, so the signal carries over to it.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
