package leakcheck_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A snapshot taken before some work and verified after it reports
// goroutines the work left running.
func ExampleSnapshot_Verify() {
	snap := leakcheck.Take(leakcheck.Timeout(100 * time.Millisecond))

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // a worker that was never told to stop
		<-stop
		close(done)
	}()
	err := snap.Verify()
	fmt.Println(errors.Is(err, leakcheck.ErrGoroutineLeak))

	close(stop) // stop it, then check again
	<-done
	fmt.Println(snap.Verify())
	// Output:
	// true
	// <nil>
}

// Check is called at the top of a test.
func ExampleCheck() {
	test := func(t *testing.T) {
		leakcheck.Check(t)
		// ... start goroutines, open sockets, and close them all again ...
	}
	_ = test
}
