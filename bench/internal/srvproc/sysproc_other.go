//go:build !linux

package srvproc

import "syscall"

// dieWithParent returns nil: only Linux has a parent-death signal, so
// elsewhere a server outlives a benchmark that is killed.
func dieWithParent() *syscall.SysProcAttr { return nil }
