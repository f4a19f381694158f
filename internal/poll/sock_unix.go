//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"net"
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Sock is an operating-system socket handle.
type Sock = int

// InvalidSock is the zero handle value that names no socket.
const InvalidSock Sock = -1

// ListenConfig holds the options of a listening socket.
type ListenConfig struct {
	ReusePort bool // SO_REUSEPORT, so that several loops share the port
	Backlog   int  // 0 means the system's maximum (somaxconn)
}

func family(network string, ip net.IP) (int, bool) {
	switch network {
	case "tcp4", "udp4":
		return unix.AF_INET, false
	case "tcp6", "udp6":
		return unix.AF_INET6, true
	case "unix", "unixgram", "unixpacket":
		return unix.AF_UNIX, false
	}
	if ip == nil || ip.IsUnspecified() {
		if dualStack {
			return unix.AF_INET6, false // dual stack
		}
		if ip == nil || ip.To4() != nil {
			return unix.AF_INET, false // no dual stack: IPv4 unless asked
		}
		return unix.AF_INET6, true
	}
	if ip.To4() != nil {
		return unix.AF_INET, false
	}
	return unix.AF_INET6, true
}

func sotype(network string) int {
	switch network {
	case "udp", "udp4", "udp6", "unixgram":
		return unix.SOCK_DGRAM
	case "unixpacket":
		return unix.SOCK_SEQPACKET
	}
	return unix.SOCK_STREAM
}

// bound creates a non-blocking socket for network bound to addr (when
// not nil), with SO_REUSEADDR, and SO_REUSEPORT if asked.
func bound(network string, addr net.Addr, cfg ListenConfig) (Sock, error) {
	s, fam, err := newSocket(network, addr)
	if err != nil {
		return InvalidSock, err
	}
	if fam != unix.AF_UNIX {
		_ = unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		if cfg.ReusePort {
			if err := setReusePort(s); err != nil {
				unix.Close(s)
				return InvalidSock, os.NewSyscallError("setsockopt", err)
			}
		}
	}
	if addr == nil {
		return s, nil
	}
	sa, err := ToSockaddr(fam, addr)
	if err == nil {
		err = os.NewSyscallError("bind", unix.Bind(s, sa))
	}
	if err != nil {
		unix.Close(s)
		return InvalidSock, err
	}
	return s, nil
}

// Listen creates a non-blocking listening stream socket (TCP or Unix)
// bound to addr.
func Listen(network string, addr net.Addr, cfg ListenConfig) (Sock, error) {
	s, err := bound(network, addr, cfg)
	if err != nil {
		return InvalidSock, err
	}
	backlog := cfg.Backlog
	if backlog <= 0 {
		backlog = somaxconn()
	}
	if err := unix.Listen(s, backlog); err != nil {
		unix.Close(s)
		return InvalidSock, os.NewSyscallError("listen", err)
	}
	return s, nil
}

// ListenPacket creates a non-blocking datagram socket bound to addr.
func ListenPacket(network string, addr net.Addr, cfg ListenConfig) (Sock, error) {
	return bound(network, addr, cfg)
}

// Socket creates an unconnected non-blocking socket suitable for
// connecting to raddr, bound to laddr when it is not nil.
func Socket(network string, raddr, laddr net.Addr) (Sock, error) {
	s, fam, err := newSocket(network, raddr)
	if err != nil {
		return InvalidSock, err
	}
	if fam == unix.AF_INET || fam == unix.AF_INET6 {
		if sotype(network) == unix.SOCK_STREAM {
			_ = unix.SetsockoptInt(s, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		}
	}
	if laddr != nil {
		sa, err := ToSockaddr(fam, laddr)
		if err == nil {
			err = unix.Bind(s, sa)
		}
		if err != nil {
			unix.Close(s)
			return InvalidSock, os.NewSyscallError("bind", err)
		}
	}
	return s, nil
}

// ConnectNow connects a datagram socket, which completes at once.
func ConnectNow(s Sock, addr net.Addr) error {
	sa, err := peerSockaddr(s, addr)
	if err != nil {
		return err
	}
	return wrapErr("connect", unix.Connect(s, sa))
}

// peerSockaddr converts addr to a socket address of s's own family.
func peerSockaddr(s Sock, addr net.Addr) (unix.Sockaddr, error) {
	local, err := unix.Getsockname(s)
	if err != nil {
		return nil, os.NewSyscallError("getsockname", err)
	}
	fam := unix.AF_INET6
	switch local.(type) {
	case *unix.SockaddrInet4:
		fam = unix.AF_INET
	case *unix.SockaddrUnix:
		fam = unix.AF_UNIX
	}
	return ToSockaddr(fam, addr)
}

// AdoptFile takes a descriptor of the caller's (a pipe, a terminal, a
// socket, an inotify or pidfd descriptor) for the poller: it returns a
// non-blocking, close-on-exec descriptor of the same file, which the
// poller owns; the caller closes its own as usual.
//
// O_NONBLOCK belongs to the open file, which all duplicates of a
// descriptor share, not to the descriptor. Where it can, AdoptFile opens
// the file anew (see reopen: on Linux, pipes, FIFOs and terminals,
// through /proc/self/fd), and the caller's descriptor keeps its flags.
// Otherwise (sockets; regular files, which O_NONBLOCK does not affect;
// inotify, pidfd and other descriptors without a path; anything on the
// BSDs and macOS; and where the reopening fails, as for the write end of
// a FIFO with no reader or without /proc) it duplicates the descriptor
// and sets O_NONBLOCK on the open file that both share: the caller's own
// blocking reads and writes on it then fail with EAGAIN.
func AdoptFile(fd uintptr) (Sock, error) {
	if s, ok := reopen(fd); ok {
		return s, nil
	}
	s, err := unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return InvalidSock, os.NewSyscallError("fcntl", err)
	}
	if err := unix.SetNonblock(s, true); err != nil {
		unix.Close(s)
		return InvalidSock, os.NewSyscallError("fcntl", err)
	}
	return s, nil
}

// WriteOnly reports whether s was opened for writing only (the write end
// of a pipe), which has nothing to read.
func WriteOnly(s Sock) bool {
	fl, err := unix.FcntlInt(uintptr(s), unix.F_GETFL, 0)
	return err == nil && fl&unix.O_ACCMODE == unix.O_WRONLY
}

// CloseSock closes a socket that was never registered.
func CloseSock(s Sock) error { return unix.Close(s) }

// SetNoDelay sets TCP_NODELAY. Accepted and dialed TCP sockets have it
// set by default, as in Go's net package.
func SetNoDelay(fd *FD, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return os.NewSyscallError("setsockopt", unix.SetsockoptInt(fd.sock, unix.IPPROTO_TCP, unix.TCP_NODELAY, v))
}

// InitAccepted prepares an accepted stream socket: TCP_NODELAY for TCP.
func InitAccepted(s Sock) {
	_ = unix.SetsockoptInt(s, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
}

// SetLinger sets SO_LINGER; sec 0 makes Close send a reset.
func SetLinger(fd *FD, sec int) error {
	return os.NewSyscallError("setsockopt", unix.SetsockoptLinger(fd.sock, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: int32(sec)}))
}

// SetBuffers sets SO_RCVBUF and SO_SNDBUF where the size is positive.
func SetBuffers(fd *FD, rcv, snd int) error {
	if rcv > 0 {
		if err := unix.SetsockoptInt(fd.sock, unix.SOL_SOCKET, unix.SO_RCVBUF, rcv); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	if snd > 0 {
		if err := unix.SetsockoptInt(fd.sock, unix.SOL_SOCKET, unix.SO_SNDBUF, snd); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	return nil
}

// ShutdownWrite shuts down the sending side (a half close).
func ShutdownWrite(fd *FD) error {
	return os.NewSyscallError("shutdown", unix.Shutdown(fd.sock, unix.SHUT_WR))
}

// LocalAddr returns the socket's local address.
func LocalAddr(fd *FD, network string) net.Addr {
	sa, err := unix.Getsockname(fd.sock)
	if err != nil {
		return nil
	}
	return FromSockaddr(network, sa)
}

// RemoteAddr returns the socket's peer address.
func RemoteAddr(fd *FD, network string) net.Addr {
	sa, err := unix.Getpeername(fd.sock)
	if err != nil {
		return nil
	}
	return FromSockaddr(network, sa)
}

// SendTo sends one datagram to addr (nil on a connected socket). A full
// send buffer gives syscall.EAGAIN.
func SendTo(fd *FD, network string, p []byte, addr net.Addr) (int, error) {
	if addr == nil {
		n, err := unix.Write(fd.sock, p)
		return n, wrapErr("write", err)
	}
	sa, err := ToSockaddr(sendFamily(fd, network, addr), addr)
	if err != nil {
		return 0, err
	}
	if err := unix.Sendto(fd.sock, p, 0, sa); err != nil {
		return 0, os.NewSyscallError("sendto", err)
	}
	return len(p), nil
}

// sendGetsockname is unix.Getsockname; tests replace it to count the
// calls sendFamily makes.
var sendGetsockname = unix.Getsockname

// sendFamily returns the address family to put addr in for a datagram
// sent on fd: the socket's own. It is asked once (getsockname) and kept
// in the FD, since a socket's family never changes: every datagram paid
// for that system call before. Until the socket answers, the family is
// guessed from network and addr.
func sendFamily(fd *FD, network string, addr net.Addr) int {
	if fd.fam != 0 {
		return int(fd.fam)
	}
	if sa, err := sendGetsockname(fd.sock); err == nil {
		switch sa.(type) {
		case *unix.SockaddrInet4:
			fd.fam = unix.AF_INET
		case *unix.SockaddrInet6:
			fd.fam = unix.AF_INET6
		case *unix.SockaddrUnix:
			fd.fam = unix.AF_UNIX
		}
		if fd.fam != 0 {
			return int(fd.fam)
		}
	}
	fam, _ := family(network, addrIP(addr))
	return fam
}

// SendFile copies up to n bytes of the file f, starting at offset off,
// to the socket without going through user space. It returns the count
// written, which may be short when the socket buffer fills
// (syscall.EAGAIN).
func SendFile(fd *FD, f *os.File, off int64, n int) (int, error) {
	written, err := unix.Sendfile(fd.sock, int(f.Fd()), &off, n)
	if written < 0 {
		written = 0
	}
	return written, wrapErr("sendfile", err)
}

func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return os.NewSyscallError(op, err)
}

// ToSockaddr converts addr to a socket address of the given family.
func ToSockaddr(fam int, addr net.Addr) (unix.Sockaddr, error) {
	in, path, isUnix, err := splitAddr(addr)
	switch {
	case err != nil:
		return nil, err
	case isUnix:
		return &unix.SockaddrUnix{Name: path}, nil
	}
	switch fam {
	case unix.AF_INET:
		ip, err := in.ip4()
		if err != nil {
			return nil, err
		}
		return &unix.SockaddrInet4{Port: in.port, Addr: ip}, nil
	case unix.AF_INET6:
		return &unix.SockaddrInet6{Port: in.port, ZoneId: in.zone, Addr: in.ip16()}, nil
	}
	return nil, syscall.EAFNOSUPPORT
}

// FromSockaddr converts a socket address to a net.Addr for network.
func FromSockaddr(network string, sa unix.Sockaddr) net.Addr {
	dgram := sotype(network) == unix.SOCK_DGRAM
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return inetAddr(dgram, netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port)))
	case *unix.SockaddrInet6:
		return inetAddr(dgram, inet6AddrPort(sa.Addr, sa.ZoneId, sa.Port))
	case *unix.SockaddrUnix:
		return unixAddr(sa.Name, dgram)
	}
	return nil
}
