package looptest_test

import (
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/looptest"
)

// The loop runs for the test, and is stopped when it ends.
func TestStart(t *testing.T) {
	leakcheck.Check(t)
	var l *eddy.Loop
	t.Run("inner", func(t *testing.T) {
		l = looptest.Start(t)
		v, err := future.Resolved(l, 42).Await(looptest.Ctx(t, 10*time.Second))
		if err != nil || v != 42 {
			t.Fatalf("Await = %v, %v", v, err)
		}
		if err := l.Post(func() {}); err != nil {
			t.Fatal(err)
		}
		looptest.WaitStats(t, l, "a turn", func(st eddy.Stats) bool { return st.Iterations > 0 })
	})
	if err := l.Post(func() {}); err == nil {
		t.Fatal("the loop still takes work after its test ended")
	}
}
