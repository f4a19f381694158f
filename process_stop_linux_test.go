//go:build linux

package eddy

import "testing"

// TestSpawnLoopStoppedNoUnhandledRejection for a child watched through
// SIGCHLD instead of a pidfd.
func TestSpawnLoopStoppedNoUnhandledRejectionSigchld(t *testing.T) {
	forceSigchld = true
	defer func() { forceSigchld = false }()
	testSpawnLoopStopped(t)
}
