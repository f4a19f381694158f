//go:build !race

package future_test

// manySteps is the length of the long-chain tests other than the required
// 100,000-step forward chains.
const manySteps = 100_000
