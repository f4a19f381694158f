package future_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
)

// get waits for f from the test goroutine, failing the test after 10 s.
func get[T any](tb testing.TB, f *future.Future[T]) (T, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := f.Await(ctx)
	if err == context.DeadlineExceeded {
		tb.Fatalf("future did not settle")
	}
	return v, err
}

// mustGet is get for a future that must resolve.
func mustGet[T any](tb testing.TB, f *future.Future[T]) T {
	tb.Helper()
	v, err := get(tb, f)
	if err != nil {
		tb.Fatalf("unexpected error: %v", err)
	}
	return v
}

// catchUnhandled installs a recording unhandled-rejection handler for the
// test and returns a function reporting the errors seen so far for which
// mine is true: futures without executor that other tests dropped are
// reported when collected, at any time.
func catchUnhandled(tb testing.TB, mine func(error) bool) func() []error {
	tb.Helper()
	ch := make(chan error, 1000)
	prev := future.SetUnhandledRejectionHandler(func(err error) {
		if mine(err) {
			ch <- err
		}
	})
	tb.Cleanup(func() { future.SetUnhandledRejectionHandler(prev) })
	var seen []error
	return func() []error {
		for {
			select {
			case err := <-ch:
				seen = append(seen, err)
			default:
				return seen
			}
		}
	}
}

// is returns a filter for catchUnhandled.
func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

// timeoutCtx returns a context for a test step.
func timeoutCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	tb.Cleanup(cancel)
	return ctx
}
