//go:build linux

package poll

import (
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// dualStack reports whether an AF_INET6 socket can also carry IPv4 (with
// IPV6_V6ONLY off), so that a wildcard address listens on both.
const dualStack = true

func newSocket(network string, a net.Addr) (Sock, int, error) {
	fam, v6only := family(network, addrIP(a))
	s, err := unix.Socket(fam, sotype(network)|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return InvalidSock, 0, os.NewSyscallError("socket", err)
	}
	if fam == unix.AF_INET6 {
		v := 0
		if v6only {
			v = 1
		}
		_ = unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v)
	}
	return s, fam, nil
}

// setReusePort sets SO_REUSEPORT, with which the kernel spreads incoming
// connections over the sockets bound to the same port.
func setReusePort(s int) error {
	return unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
}

// somaxconn returns the system's largest listen backlog.
func somaxconn() int {
	b, err := os.ReadFile("/proc/sys/net/core/somaxconn")
	if err != nil {
		return unix.SOMAXCONN
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	if n <= 0 {
		return unix.SOMAXCONN
	}
	return n
}

// acceptSock accepts one connection from the listening socket s and
// returns it non-blocking and close-on-exec: one accept4, made as a raw
// system call (it never blocks, so the scheduler need not know).
func acceptSock(s int) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(s), 0, 0, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if e != 0 {
		return InvalidSock, e
	}
	return int(r), nil
}

// reopen opens the file of the descriptor fd anew, through /proc/self/fd,
// with fd's access mode, non-blocking and close-on-exec, so that the new
// descriptor has an open file, and file status flags, of its own. It does
// so only for pipes, FIFOs and terminals, and reports false for anything
// else or when the open fails: a socket cannot be opened by path, a
// regular file would lose the offset it shares with fd, a pseudo-terminal's
// master would open a new terminal, and other devices may hand out a new
// instance on each open.
func reopen(fd uintptr) (Sock, bool) {
	fl, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
	if err != nil || fl&unix.O_PATH != 0 {
		return InvalidSock, false
	}
	var st unix.Stat_t
	if unix.Fstat(int(fd), &st) != nil {
		return InvalidSock, false
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFIFO:
	case unix.S_IFCHR:
		if _, err := unix.IoctlGetTermios(int(fd), unix.TCGETS); err != nil {
			return InvalidSock, false // not a terminal
		}
		if _, err := unix.IoctlGetUint32(int(fd), unix.TIOCGPTN); err == nil {
			return InvalidSock, false // a pseudo-terminal's master
		}
	default:
		return InvalidSock, false
	}
	s, err := unix.Open("/proc/self/fd/"+strconv.Itoa(int(fd)), fl&unix.O_ACCMODE|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return InvalidSock, false
	}
	var got unix.Stat_t
	if unix.Fstat(s, &got) != nil || got.Dev != st.Dev || got.Ino != st.Ino {
		unix.Close(s)
		return InvalidSock, false
	}
	return s, true
}

// recvDgram receives one datagram into buf and reports whether it was
// larger, and so cut to fit. MSG_TRUNC in the flags makes Linux return
// the datagram's real length (for UDP and unixgram alike), which costs
// nothing over a plain recvfrom: recvmsg would be needed for the flag
// elsewhere.
func recvDgram(s int, buf []byte) (n int, sa unix.Sockaddr, trunc bool, err error) {
	n, sa, err = unix.Recvfrom(s, buf, unix.MSG_TRUNC)
	if n > len(buf) {
		return len(buf), sa, true, err
	}
	return n, sa, false, err
}
