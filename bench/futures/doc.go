// Package futures is the "futures" benchmark suite: what eddy's futures
// cost against the goroutine-and-channel code they replace.
//
// Scenarios, each measured with testing.Benchmark (ns/op, allocs/op, B/op):
//
//   - future: create a future, resolve it, consume it with one step.
//   - step: one step of a long chain (the chain is built, then resolved).
//   - all-1000: fan out to 1,000 futures and fan in with All; one op is
//     the whole fan-out, and ns/future divides it by 1,000.
//
// Implementations:
//
//   - eddy-loop: futures owned by a running *eddy.Loop, created and
//     resolved in loop callbacks of up to 1,000 ops; their callbacks run
//     in the loop's batched drain, which is timed too. For step, each
//     batch is its own chain of up to 1,000 steps; for all-1000, each
//     fan-out is its own callback.
//   - eddy-inline: futures without executor (callbacks inline): the bare
//     cost of the data structure.
//   - goroutine-chan: the same work with a goroutine per asynchronous
//     step and a channel to hand each result back.
//
// github.com/chebyrash/promise was to be the third-party peer, but the Go
// module proxy does not serve it here, so it is not measured.
package futures
