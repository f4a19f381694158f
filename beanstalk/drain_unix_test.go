//go:build unix

package beanstalk_test

import "syscall"

// drain puts the beanstalkd with process id pid into drain mode (SIGUSR1).
func drain(pid int) error { return syscall.Kill(pid, syscall.SIGUSR1) }
