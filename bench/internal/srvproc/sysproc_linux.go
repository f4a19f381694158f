package srvproc

import "syscall"

// dieWithParent has the server killed when the benchmark dies. taskset
// execs the program, so the parent-death signal carries over to it.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
