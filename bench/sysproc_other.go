//go:build !linux

package main

import "syscall"

// dieWithParent returns nil: only Linux has a parent-death signal. The
// runner is Linux-only; elsewhere the binary only acts as a child.
func dieWithParent() *syscall.SysProcAttr { return nil }
