package loopthread

import (
	"runtime"
	"testing"
)

func TestEnterLeave(t *testing.T) {
	if OnLoop() {
		t.Fatal("OnLoop true before Enter")
	}
	done := make(chan bool)
	ready := make(chan struct{})
	release := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		id := Enter()
		close(ready)
		<-release
		done <- OnLoop()
		Leave(id)
		done <- OnLoop()
	}()
	<-ready
	if OnLoop() {
		t.Error("OnLoop true on a goroutine that is not a loop")
	}
	close(release)
	if !<-done {
		t.Error("OnLoop false on the loop goroutine")
	}
	if <-done {
		t.Error("OnLoop true after Leave")
	}
}
