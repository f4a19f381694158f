package eddy_test

import (
	"testing"

	"github.com/eddy-go/eddy"
)

// BenchmarkPostRoundTrip measures a goroutine handing work to a loop and
// waiting for the answer: the path every blocking facade takes.
func BenchmarkPostRoundTrip(b *testing.B) {
	l, err := eddy.New(eddy.WithKeepAlive())
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { l.Run(); close(done) }()
	defer func() { l.Stop(); <-done }()
	ch := make(chan int, 1)
	for b.Loop() {
		l.Post(func() { ch <- 1 })
		<-ch
	}
}
