// Package servers holds the echo servers under test, one file per
// implementation: "std" (package net, one goroutine per connection),
// "gnet" (github.com/panjf2000/gnet/v2), "nbio" (github.com/lesismal/nbio),
// "eddy", and "eddy-uring" (eddy on its io_uring backend). Each echoes
// every byte it reads back to its sender, runs one event loop where the
// library has loops, and keeps the library's defaults otherwise.
//
// The bench binary runs [Serve] in a child process pinned to one CPU, so
// that the server's CPU time and memory can be read from /proc apart from
// the load generator's.
package servers
