// Package pin binds the benchmark's processes to CPUs, so that the load
// generator and the server under test never share a core.
package pin
