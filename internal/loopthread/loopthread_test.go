package loopthread

import (
	"runtime"
	"sync"
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

// TestCurrentPerGoroutine checks that goroutines alive at once, locked to a
// thread or not, never share an identifier, and that the identifier stays
// the same across a goroutine's life.
func TestCurrentPerGoroutine(t *testing.T) {
	const n = 64
	ids := make(chan [2]uint64, n)
	start := make(chan struct{})
	var taken sync.WaitGroup
	taken.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			a := Current()
			taken.Done()
			<-start
			runtime.Gosched()
			ids <- [2]uint64{a, Current()}
		}()
	}
	taken.Wait() // all n are alive now
	close(start)
	seen := map[uint64]bool{Current(): true}
	for i := 0; i < n; i++ {
		p := <-ids
		if p[0] != p[1] {
			t.Fatalf("identifier changed during a goroutine's life: %x then %x", p[0], p[1])
		}
		if seen[p[0]] {
			t.Fatalf("two live goroutines share identifier %x", p[0])
		}
		seen[p[0]] = true
	}
}
