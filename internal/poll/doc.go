// Package poll is eddy's operating-system backend: one small,
// completion-shaped interface with one implementation per system.
//
// # Completions, not readiness
//
// The layers above never see a file descriptor and never ask "is this
// socket readable?". They submit operations and are told when each one has
// finished, with its result, through the Owner interface of the socket:
//
//   - StartRead arms a multishot read. Every time bytes arrive the backend
//     reads them into its own buffer (taken late, only when data is there)
//     and calls Owner.ReadDone with them. It stays armed until StopRead.
//   - Write submits buffers; Owner.WriteDone reports when all of them were
//     written or the write failed. TryWrite is an optional synchronous
//     attempt that lets a backend finish a write inline.
//   - StartAccept arms a multishot accept; Owner.AcceptDone gets each new
//     socket.
//   - Connect starts a connect; Owner.ConnectDone reports its outcome.
//   - StartRecv arms multishot datagram receives; Owner.RecvDone gets each
//     (one too large for the read buffer with ErrTruncated, not as if it
//     were whole).
//
// A readiness system (epoll, kqueue) performs the system call when the
// kernel says the socket is ready, and reports the completion. A completion
// system (IOCP, io_uring) submits the operation to the kernel and reports it
// when the kernel does. Both fit the same interface, which is the point:
// see docs/architecture.md.
//
// # Threading
//
// A Poller and every FD registered with it belong to one goroutine, the
// loop's. Only Wake may be called from other goroutines.
//
// # Files
//
// poll.go holds the interface and the shared types, epoll_linux.go the
// Linux backend, ready_unix.go what the readiness backends (epoll and
// kqueue) share (registrations, the retry list, the shared read buffer,
// the completions made from readiness), sock_unix.go the socket system
// calls shared by the Unix backends, and poll_other.go the stub for
// systems without a backend yet.
//
// The opt-in io_uring backend of Linux (EDDY_POLLER=uring) is
// uring_linux.go (slots, the Poller methods), uring_wait_linux.go (Wait
// and dispatch), uring_sys_linux.go (the ring's system calls and memory)
// and uring_bufring_linux.go (the provided-buffer ring of multishot
// receives); sendfile_linux.go serves it and epoll alike.
//
// The kqueue backend of macOS and the BSDs is kqueue.go (registration and
// the Poller methods), kqueue_wait.go (Wait and dispatch), kqueue_io.go
// (the system calls behind the completions) and kqueue_notify.go (process
// and vnode registrations for Notify), with per-system parts: the wake-up
// (kqueue_wake_user.go: EVFILT_USER; kqueue_wake_pipe.go: a pipe on
// NetBSD and OpenBSD), reads and writes (kqueue_rawio.go: direct system
// calls; kqueue_libcio.go: libc on macOS and OpenBSD, which have no
// exported writev), and sendfile (kqueue_sendfile.go; kqueue_copyfile.go
// copies through the read buffer where x/sys has none). sock_linux.go and
// sock_bsd.go, with sock_GOOS.go constants, hold the socket details that
// differ.
//
// The IOCP backend of Windows is iocp_windows.go (the port, Wait, Wake and
// the Poller methods), op_windows.go (one heap object per overlapped call,
// kept reachable while the kernel owns it, among them the AFD poll that
// watches a stream that is not read for a reset), wait_windows.go (Notify on
// object handles through RegisterWaitForSingleObject) and sock_windows.go
// (Winsock sockets, AcceptEx and ConnectEx, and WatchDirectory).
package poll
