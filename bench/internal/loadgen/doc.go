// Package loadgen is the benchmarks' load generator: a small TCP client
// written directly on epoll and non-blocking sockets (golang.org/x/sys/unix),
// with one loop on the calling goroutine, so that it shares no code with any
// library under test and costs little CPU per message.
//
// A [Client] holds many connections to one server. [Client.Echo] keeps a
// fixed number of fixed-size messages in flight on every connection for a
// bounded time and counts the echoes that came back; [Client.EchoOnce]
// sends one message on every connection and checks that each comes back
// intact. Connections are closed with SO_LINGER 0 (a reset), so that runs
// leave no TIME_WAIT sockets behind to exhaust the ephemeral ports.
//
// A Client is not safe for concurrent use. Callers that pin the load to a
// CPU should call runtime.LockOSThread around its methods.
//
// Portability: Linux only; elsewhere [Dial] returns [ErrUnsupported].
package loadgen
