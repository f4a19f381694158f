// Package futures is the "futures" benchmark suite: what eddy's futures
// cost against the goroutine-and-channel code they replace.
//
// Scenarios, each measured with testing.Benchmark (ns/op, allocs/op,
// B/op); every figure is per unit of work, whatever b.N is:
//
//   - future: create a future, resolve it, consume it with one step.
//   - step: one step of a chain of 1,000 steps (each chain is built, then
//     resolved, so the chain stays in cache and its head is amortized).
//   - all-1000: fan out to 1,000 futures and fan in with All; one op is
//     the whole fan-out, and ns/future divides it by 1,000.
//
// Implementations:
//
//   - eddy-loop: futures owned by a running *eddy.Loop, created and
//     resolved in loop callbacks of up to 1,000 ops; their callbacks run
//     in the loop's batched drain, which is timed too. For step, each
//     callback builds and resolves one chain of up to 1,000 steps; for
//     all-1000, each fan-out is its own callback.
//   - eddy-inline: futures without executor (callbacks inline): the bare
//     cost of the data structure.
//   - goroutine-chan: the same work with a goroutine per asynchronous
//     step and a channel to hand each result back: for future, a
//     goroutine that sends the value; for step, a hop to a new goroutine
//     and back per step; for all-1000, 1,000 goroutines sending on one
//     channel, gathered in order.
//
// Each benchmark runs three times, interleaved with the others so that
// load on a shared machine hits all alike, and the median is reported.
// For the eddy implementations the suite also reports "speedup": the
// goroutine-chan time of the same scenario divided by theirs.
//
// github.com/chebyrash/promise was to be the third-party peer, but the Go
// module proxy refuses it here (403 Forbidden), so it is not measured.
package futures
