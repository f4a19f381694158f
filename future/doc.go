// Package future provides eddy's typed futures: values that arrive later,
// composed on an event loop.
//
// Every asynchronous operation in eddy returns a *Future[T]. The producer
// keeps the matching *Promise[T] and settles it exactly once, with a value
// (Resolve) or an error (Reject):
//
//	f, p := future.New[string](loop)
//	go func() { p.Settle(fetch()) }()        // any goroutine may settle
//	n := future.Then(f, func(s string) (int, error) { return strconv.Atoi(s) })
//	n = n.Catch(func(err error) (int, error) { return 0, nil })
//
// Steps that change the type are package functions (Go methods cannot take
// type parameters): Then, Map, ThenFuture (the step returns a future, which
// is flattened), TapFuture. Steps that keep it are methods: Catch,
// CatchFuture, Finally, Tap, OnSettle, WithContext. Combinators: All,
// AllSettled, Any, Race, Timeout. Over slices: Each, MapSlice, Reduce and
// Filter run one item at a time; MapLimit runs a bounded number at once.
// Bridges to goroutine code: Await, Chan, FromChan, Go and Promise.Run.
//
// # Threading
//
// A future belongs to the Executor given to New (normally an *eddy.Loop);
// steps inherit it, and a combinator's result belongs to the executor of
// its first input that has one. Every callback given to this package (step functions, OnSettle,
// OnCancel hooks, the functions of Each and MapLimit) runs on the owning
// executor's goroutine, one at a time, and must not block.
//
// Settling (Resolve, Reject, Settle, Follow, Cancel, a WithContext
// context ending) and attaching (steps, combinators, Await, Chan,
// OnCancel) are safe from any goroutine, concurrently with each other: a
// consumer attached while its future settles runs exactly once, and so
// does every consumer attached before. Callbacks are never run inside the
// call that settles a future or attaches to it: they are queued on the
// executor, which runs, in one posted drain per loop turn,
// everything queued for it, so that a thousand promises resolved by an I/O
// callback cost one Post. Within that drain a settled future's consumers
// run directly, in the order they were attached, and propagation along a
// chain is iterative: a chain of any length, resolved before or after it
// was built, uses constant stack, and so does an asynchronous loop written
// as callbacks that start the next step. The drain gives the loop back
// after a budget of work so that I/O is not starved.
//
// A future with a nil Executor runs its callbacks inline, on whichever
// goroutine settles it or, if it has settled, attaches to it. Such futures
// suit tests and pure computations; their callbacks may run concurrently
// if they are settled from several goroutines.
//
// If an executor has stopped (Post fails), the callbacks queued for it do
// not run: each pending step's future is rejected with an error matching
// ErrStopped instead, so that nothing waits forever; Await and Chan still
// deliver.
//
// Await blocks a goroutine until a future settles. Called on an event loop
// goroutine it returns ErrAwaitOnLoop at once instead of deadlocking.
//
// # Errors
//
// A rejection travels down the chain untouched, skipping steps, until a
// Catch, CatchFuture, Finally or OnSettle sees it, so errors.Is and
// errors.As work on the final error. A panic in a callback becomes a
// rejection with a *PanicError (Value, Stack, and Unwrap if Value is an
// error). Any wraps all its inputs' errors in an *AggregateError; Timeout
// rejects with a *TimeoutError, which matches both ErrTimeout and
// context.DeadlineExceeded.
//
// A rejection that nobody handles is reported, once, to the handler set by
// SetUnhandledRejectionHandler (by default logged with log/slog). It is
// unhandled if the rejected future has no consumer when it is rejected and
// still has none when the executor has run the work queued before it, so a
// handler attached in the same loop turn counts. Only the end of a chain is
// reported, since every step hands its error on.
//
// Cancellations are never reported, neither where they happen nor in the
// steps below that nobody consumes: like context.Canceled in Go, or
// Bluebird's cancellation, which does not reject at all, a cancellation is
// what its caller asked for, not an error that went astray. A rejection
// counts as a cancellation if its error matches ErrCanceled or
// context.Canceled, whatever the cause given to Cancel, and holds no
// *PanicError outside a *CancelError (a future cancelled because a panic
// failed something else, say All's other input, is still a cancellation:
// the panic is reported where it happened); a multiple error
// (errors.Join, *AggregateError) counts only if each of its errors does.
// A real error is still reported after a cancel: a Catch that turns the cancellation into another error, a
// Finally that panics on a cancelled chain, an Any with one input
// cancelled and the other failed. A Timeout that expires rejects with a
// *TimeoutError, which is a failure and is reported if unhandled; the
// input it abandons is cancelled, silently.
//
// # Cancellation
//
// Cancellation flows from consumers back to producers, so that a driver
// can drop a request nobody waits for any more:
//
//   - f.Cancel(cause) rejects a pending f with a *CancelError (which
//     matches ErrCanceled and wraps cause). f's consumers see that
//     rejection like any other.
//   - Each future f was waiting on (the source of a step, the future a
//     step returned, a combinator's inputs) loses f's interest. A future
//     whose every interested consumer has gone is cancelled in turn, with
//     the same cause, and so on upstream. A future that some consumer still
//     wants (another step, a Chan) is left alone.
//   - At the top, the producer's Promise.OnCancel hooks run on its
//     executor with the cause; afterwards Resolve and Reject report false.
//
// The same happens when a WithContext context ends, when a Timeout
// expires (the cause is the *TimeoutError), when a goroutine's Await
// context ends, when All fails (its pending inputs are released, as with
// errgroup), and when Any or Race has a winner (the losers are released).
// Cancellation cannot undo a settlement: cancelling a settled future does
// nothing. Attach every consumer before cancellation can happen, since a
// future cancelled for lack of interest stays cancelled.
//
// # Cost
//
// A future is one allocation; so is each step (its output future and its
// link in the source's consumer list share the step's allocation: 128
// bytes for a Then from int to int). Consumer lists are intrusive,
// lock-free lists, so a future needs no slice for its consumers, one or
// many. No mutex is taken: attaching a step is one compare-and-swap (its
// interest in the source is counted in the list itself), settling a
// future is one compare-and-swap and one swap, and a future owned by an
// executor costs one more compare-and-swap to queue its consumers there.
// Finding an executor's queue is a lock-free cache hit. Step functions
// are called without a defer of their own: the drain that runs them
// holds one recover for all of them, which turns a panic into that
// step's rejection. A combinator's inputs cost one node each (56 bytes
// for an int), in one slice.
package future
