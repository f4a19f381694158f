//go:build !linux

package testenv

import "os/exec"

// setParentDeath does nothing: only Linux has a parent-death signal.
func setParentDeath(*exec.Cmd) {}

// spawn starts cmd.
func spawn(cmd *exec.Cmd) error { return cmd.Start() }
