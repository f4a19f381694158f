//go:build !linux

package main

// findWineserver reports false: Wine runs its Windows servers on Linux
// only here, and the runner is Linux-only.
func findWineserver(prefix string) (int, bool) { return 0, false }
