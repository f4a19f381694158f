package future_test

import (
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/eddy-go/eddy/future"
)

// An executor that futures no longer use is not kept alive by the
// package's caches of per-executor state: it is collected within a few
// garbage collections.
func TestExecutorIsCollected(t *testing.T) {
	w := useAndDropLoop(t)
	for i := 0; i < 50 && w.Value() != nil; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond) // let cleanups run
	}
	if w.Value() != nil {
		t.Fatal("an executor no future uses is still reachable")
	}
}

func useAndDropLoop(t *testing.T) weak.Pointer[testLoop] {
	l := startLoop()
	defer l.Close()
	for range 3 {
		f, p := future.New[int](l)
		p.Resolve(1)
		if v := mustGet(t, future.Map(f, func(v int) int { return v + 1 })); v != 2 {
			t.Fatalf("got %d", v)
		}
	}
	return weak.Make(l)
}
