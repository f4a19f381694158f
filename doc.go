// Package eddy is an asynchronous-programming toolkit: event loops that
// own non-blocking sockets, timers, idle and next-tick callbacks, signals
// and the results of blocking work, with no goroutine per connection.
//
// A Loop runs on one goroutine. Everything it owns is touched only from
// that goroutine, through callbacks; other goroutines reach it with
// Loop.Post. A Group runs one loop per core and
// shares listeners among them.
//
//	l, _ := eddy.New()
//	l.Listen("tcp", "127.0.0.1:8080", handler) // handler implements eddy.Handler
//	l.AfterFunc(time.Second, func() { fmt.Println("tick") })
//	l.Run() // until Stop, or until nothing referenced is left
//
// # Concurrency
//
// Each method's documentation ends with its rule: "Loop-only" methods may
// be called from callbacks running on the loop, or before Run from the
// goroutine that created the loop; "Safe for concurrent use" methods may be
// called from anywhere. Callbacks must not block: run blocking work with
// Work or Submit, which use a bounded worker pool and deliver the result
// on the loop (WorkOwned and SubmitOwned release a result, such as an
// open file, that can no longer be delivered).
//
// # Connections
//
// A Conn is a TCP or Unix stream connection. Its Handler gets OnOpen,
// OnData (with bytes valid only during the call; unconsumed bytes are kept
// for the next call), OnDrain and, exactly once and last, OnClose. Writes
// go straight to the socket when they can and are queued otherwise; the
// queue is bounded by a high water mark (ErrQueueFull) and announces with
// OnDrain when it has fallen to its low water mark. Deadlines and idle
// timeouts run on the loop's timers. The peer's end of stream closes the
// connection once its output has gone, unless the handler implements
// EOFHandler: OnEOF then tells it of a half close (TCP proxies, tunnels,
// a server that answers after the client has shut down its writing side),
// and the connection stays open for writing until the handler closes it
// or calls CloseWrite. NetConn and Loop.DialNet present a
// loop connection as a net.Conn to goroutine code, and Loop.ListenNet a
// loop listener as a net.Listener (for net/http's Server.Serve, say).
//
// # Errors
//
// Socket failures are *OpError values that match, with errors.Is, both a
// sentinel of this package (ErrRefused, ErrReset, ErrTimeout, ErrClosed,
// ErrAddrInUse…) and the underlying system error.
//
// # Portability
//
// Backends: epoll on Linux (io_uring with EDDY_POLLER=uring), kqueue on
// macOS and the BSDs, IOCP on Windows, all behind the completion-shaped
// interface of internal/poll; the API is
// the same everywhere. Unix sockets are not available on Windows yet. See
// docs/architecture.md and the README's platform table.
package eddy
