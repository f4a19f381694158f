//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// The BSDs and macOS take the socket flags through fcntl: macOS has no
// SOCK_NONBLOCK, SOCK_CLOEXEC or accept4, and one code path for all of
// them is simpler than several. The descriptor is made close-on-exec
// under syscall.ForkLock, as Go's net package does, so that a concurrent
// fork cannot inherit it.

func newSocket(network string, a net.Addr) (Sock, int, error) {
	fam, v6only := family(network, addrIP(a))
	syscall.ForkLock.RLock()
	s, err := unix.Socket(fam, sotype(network), 0)
	if err == nil {
		unix.CloseOnExec(s)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return InvalidSock, 0, os.NewSyscallError("socket", err)
	}
	if err := unix.SetNonblock(s, true); err != nil {
		unix.Close(s)
		return InvalidSock, 0, os.NewSyscallError("fcntl", err)
	}
	setNoSigpipe(s)
	if fam == unix.AF_INET6 {
		v := 0
		if v6only {
			v = 1
		}
		_ = unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v)
	}
	return s, fam, nil
}

// acceptSock accepts one connection from the listening socket s and
// returns it non-blocking and close-on-exec.
func acceptSock(s int) (int, error) {
	syscall.ForkLock.RLock()
	ns, _, err := unix.Accept(s)
	if err == nil {
		unix.CloseOnExec(ns)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return InvalidSock, err
	}
	if err := unix.SetNonblock(ns, true); err != nil {
		unix.Close(ns)
		return InvalidSock, err
	}
	setNoSigpipe(ns)
	return ns, nil
}

// setNoSigpipe asks for EPIPE instead of SIGPIPE on writes to a closed
// connection, where the system has SO_NOSIGPIPE (there is no
// MSG_NOSIGNAL for plain writes).
func setNoSigpipe(s int) {
	if soNoSigpipe != 0 {
		_ = unix.SetsockoptInt(s, unix.SOL_SOCKET, soNoSigpipe, 1)
	}
}

// setReusePort lets several sockets bind the same port (SO_REUSEPORT_LB
// on FreeBSD, which spreads connections over them).
func setReusePort(s int) error {
	return unix.SetsockoptInt(s, unix.SOL_SOCKET, reusePortOpt, 1)
}

// somaxconn returns the system's largest listen backlog.
func somaxconn() int {
	v, err := unix.SysctlUint32(somaxconnSysctl)
	if err != nil || v == 0 || v > 1<<20 {
		return unix.SOMAXCONN
	}
	return int(v)
}

// reopen reports false: the BSDs and macOS have no /proc/self/fd, and
// opening /dev/fd/N duplicates the descriptor, so AdoptFile shares the
// caller's open file.
func reopen(fd uintptr) (Sock, bool) { return InvalidSock, false }

// recvDgram receives one datagram into buf and reports whether it was
// larger, and so cut to fit: recvmsg returns MSG_TRUNC in its flags then.
// (MSG_TRUNC as an input flag, which makes Linux return the real length,
// is Linux's alone.)
func recvDgram(s int, buf []byte) (n int, sa unix.Sockaddr, trunc bool, err error) {
	n, _, flags, sa, err := unix.Recvmsg(s, buf, nil, 0)
	return n, sa, flags&unix.MSG_TRUNC != 0, err
}
