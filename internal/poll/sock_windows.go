//go:build windows

package poll

import (
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Sock is an operating-system handle: a socket, a pipe, a directory or a
// process.
type Sock = windows.Handle

// InvalidSock is the handle value that names no socket.
const InvalidSock Sock = windows.InvalidHandle

// ListenConfig holds the options of a listening socket.
type ListenConfig struct {
	// ReusePort asks several loops to share the port. Windows has no
	// SO_REUSEPORT: Listen reports ErrUnsupported for it, and a Group
	// hands accepted connections out instead.
	ReusePort bool
	Backlog   int // 0 means the system's maximum (SOMAXCONN)
}

func family(network string, ip net.IP) (int, bool) {
	switch network {
	case "tcp4", "udp4":
		return windows.AF_INET, false
	case "tcp6", "udp6":
		return windows.AF_INET6, true
	case "unix", "unixgram", "unixpacket":
		return windows.AF_UNIX, false
	}
	if ip == nil || ip.IsUnspecified() {
		return windows.AF_INET6, false // dual stack
	}
	if ip.To4() != nil {
		return windows.AF_INET, false
	}
	return windows.AF_INET6, true
}

func sotype(network string) int {
	switch network {
	case "udp", "udp4", "udp6", "unixgram":
		return windows.SOCK_DGRAM
	}
	return windows.SOCK_STREAM
}

func newSocket(network string, a net.Addr) (Sock, int, error) {
	startup()
	fam, v6only := family(network, addrIP(a))
	typ := sotype(network)
	proto := 0
	if fam != windows.AF_UNIX {
		proto = windows.IPPROTO_TCP
		if typ == windows.SOCK_DGRAM {
			proto = windows.IPPROTO_UDP
		}
	}
	s, err := windows.WSASocket(int32(fam), int32(typ), int32(proto), nil, 0,
		windows.WSA_FLAG_OVERLAPPED|windows.WSA_FLAG_NO_HANDLE_INHERIT)
	if err != nil {
		return InvalidSock, 0, os.NewSyscallError("wsasocket", mapErr(err))
	}
	if fam == windows.AF_INET6 {
		v := 0
		if v6only {
			v = 1
		}
		_ = windows.SetsockoptInt(s, windows.IPPROTO_IPV6, windows.IPV6_V6ONLY, v)
	}
	return s, fam, nil
}

// bound creates a socket for network bound to addr (when not nil).
// Unlike on Unix, SO_REUSEADDR is left off: on Windows it lets another
// socket steal the port.
func bound(network string, addr net.Addr, cfg ListenConfig) (Sock, error) {
	if cfg.ReusePort {
		return InvalidSock, ErrUnsupported
	}
	s, fam, err := newSocket(network, addr)
	if err != nil {
		return InvalidSock, err
	}
	if addr == nil {
		return s, nil
	}
	sa, err := ToSockaddr(fam, addr)
	if err == nil {
		err = wrapErr("bind", windows.Bind(s, sa))
	}
	if err != nil {
		windows.Closesocket(s)
		return InvalidSock, err
	}
	return s, nil
}

// Listen creates a listening stream socket bound to addr.
func Listen(network string, addr net.Addr, cfg ListenConfig) (Sock, error) {
	s, err := bound(network, addr, cfg)
	if err != nil {
		return InvalidSock, err
	}
	backlog := cfg.Backlog
	if backlog <= 0 {
		backlog = windows.SOMAXCONN
	}
	if err := windows.Listen(s, backlog); err != nil {
		windows.Closesocket(s)
		return InvalidSock, os.NewSyscallError("listen", mapErr(err))
	}
	return s, nil
}

// ListenPacket creates a datagram socket bound to addr. A port
// unreachable message from an earlier send does not fail its receives
// (SIO_UDP_CONNRESET off), as on Unix for unconnected sockets.
func ListenPacket(network string, addr net.Addr, cfg ListenConfig) (Sock, error) {
	s, err := bound(network, addr, cfg)
	if err != nil {
		return InvalidSock, err
	}
	if sotype(network) == windows.SOCK_DGRAM {
		var off uint32
		var ret uint32
		_ = windows.WSAIoctl(s, windows.SIO_UDP_CONNRESET, (*byte)(unsafe.Pointer(&off)), 4, nil, 0, &ret, nil, 0)
	}
	return s, nil
}

// Socket creates an unconnected socket suitable for connecting to raddr,
// bound to laddr when it is not nil (Connect binds it otherwise, since
// ConnectEx wants a bound socket).
func Socket(network string, raddr, laddr net.Addr) (Sock, error) {
	s, fam, err := newSocket(network, raddr)
	if err != nil {
		return InvalidSock, err
	}
	if fam != windows.AF_UNIX && sotype(network) == windows.SOCK_STREAM {
		_ = windows.SetsockoptInt(s, windows.IPPROTO_TCP, windows.TCP_NODELAY, 1)
	}
	if laddr != nil {
		sa, err := ToSockaddr(fam, laddr)
		if err == nil {
			err = windows.Bind(s, sa)
		}
		if err != nil {
			windows.Closesocket(s)
			return InvalidSock, os.NewSyscallError("bind", mapErr(err))
		}
	}
	return s, nil
}

// ConnectNow connects a datagram socket, which completes at once.
func ConnectNow(s Sock, addr net.Addr) error {
	sa, err := ToSockaddr(sockFamily(s), addr)
	if err != nil {
		return err
	}
	return wrapErr("connect", windows.Connect(s, sa))
}

// sockFamily returns the address family of a socket.
func sockFamily(s Sock) int {
	sa, err := windows.Getsockname(s)
	if err == nil {
		switch sa.(type) {
		case *windows.SockaddrInet4:
			return windows.AF_INET
		case *windows.SockaddrUnix:
			return windows.AF_UNIX
		}
		return windows.AF_INET6
	}
	// Not bound yet: ask the protocol information.
	var info windows.WSAProtocolInfo
	n := int32(unsafe.Sizeof(info))
	if windows.Getsockopt(s, windows.SOL_SOCKET, soProtocolInfoW, (*byte)(unsafe.Pointer(&info)), &n) == nil {
		return int(info.AddressFamily)
	}
	return windows.AF_INET6
}

// AdoptFile takes a handle of the caller's for the poller: it duplicates
// it, and returns the copy; the caller closes its own. The handle must
// have been opened for overlapped I/O (a socket, a pipe made with
// FILE_FLAG_OVERLAPPED) and not be attached to another completion port:
// Register fails otherwise.
func AdoptFile(fd uintptr) (Sock, error) {
	cur := windows.CurrentProcess()
	var dup windows.Handle
	err := windows.DuplicateHandle(cur, windows.Handle(fd), cur, &dup, 0, false, windows.DUPLICATE_SAME_ACCESS)
	if err != nil {
		return InvalidSock, os.NewSyscallError("duplicatehandle", err)
	}
	return dup, nil
}

// WriteOnly reports whether s is the write end of a pipe, which has
// nothing to read. Windows does not say, so it reports false: a read on
// such an end fails and ends the reading.
func WriteOnly(s Sock) bool { return false }

// CloseSock closes a handle that was never registered.
func CloseSock(s Sock) error {
	if kindOf(s) == kindSocket {
		return wrapErr("closesocket", windows.Closesocket(s))
	}
	return wrapErr("closehandle", windows.CloseHandle(s))
}

// SetNoDelay sets TCP_NODELAY. Accepted and dialed TCP sockets have it
// set by default, as in Go's net package.
func SetNoDelay(fd *FD, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return wrapErr("setsockopt", windows.SetsockoptInt(fd.sock, windows.IPPROTO_TCP, windows.TCP_NODELAY, v))
}

// InitAccepted prepares an accepted stream socket: TCP_NODELAY.
func InitAccepted(s Sock) {
	_ = windows.SetsockoptInt(s, windows.IPPROTO_TCP, windows.TCP_NODELAY, 1)
}

// SetLinger sets SO_LINGER; sec 0 makes Close send a reset.
func SetLinger(fd *FD, sec int) error {
	return wrapErr("setsockopt", windows.SetsockoptLinger(fd.sock, windows.SOL_SOCKET, windows.SO_LINGER, &windows.Linger{Onoff: 1, Linger: int32(sec)}))
}

// SetBuffers sets SO_RCVBUF and SO_SNDBUF where the size is positive.
func SetBuffers(fd *FD, rcv, snd int) error {
	if rcv > 0 {
		if err := windows.SetsockoptInt(fd.sock, windows.SOL_SOCKET, windows.SO_RCVBUF, rcv); err != nil {
			return wrapErr("setsockopt", err)
		}
	}
	if snd > 0 {
		if err := windows.SetsockoptInt(fd.sock, windows.SOL_SOCKET, windows.SO_SNDBUF, snd); err != nil {
			return wrapErr("setsockopt", err)
		}
	}
	return nil
}

// ShutdownWrite shuts down the sending side (a half close). On a pipe,
// which cannot be half closed, it does nothing.
func ShutdownWrite(fd *FD) error {
	if fd.sys.kind != kindSocket {
		return nil
	}
	return wrapErr("shutdown", windows.Shutdown(fd.sock, windows.SHUT_WR))
}

// LocalAddr returns the socket's local address.
func LocalAddr(fd *FD, network string) net.Addr {
	sa, err := windows.Getsockname(fd.sock)
	if err != nil {
		return nil
	}
	return FromSockaddr(network, sa)
}

// RemoteAddr returns the socket's peer address.
func RemoteAddr(fd *FD, network string) net.Addr {
	sa, err := windows.Getpeername(fd.sock)
	if err != nil {
		return nil
	}
	return FromSockaddr(network, sa)
}

// SendTo sends one datagram to addr (nil on a connected socket).
func SendTo(fd *FD, network string, p []byte, addr net.Addr) (int, error) {
	var b windows.WSABuf
	if len(p) > 0 {
		b = windows.WSABuf{Len: uint32(len(p)), Buf: &p[0]}
	}
	var sent uint32
	if addr == nil {
		err := windows.WSASend(fd.sock, &b, 1, &sent, 0, nil, nil)
		return int(sent), wrapErr("wsasend", err)
	}
	// The socket's family never changes: it is asked once (a
	// getsockname, or the protocol information) and kept in the FD,
	// rather than for every datagram.
	if fd.fam == 0 {
		fd.fam = uint8(sockFamily(fd.sock))
	}
	sa, err := ToSockaddr(int(fd.fam), addr)
	if err != nil {
		return 0, err
	}
	if err := windows.WSASendto(fd.sock, &b, 1, &sent, 0, sa, nil, nil); err != nil {
		return 0, wrapErr("wsasendto", err)
	}
	return int(sent), nil
}

// SendFile copies up to n bytes of the file f, starting at offset off,
// to the socket. Windows has TransmitFile, but a blocking socket call
// would stall the loop: this copies one buffer with a synchronous send,
// which returns once the data is in the socket's buffer.
func SendFile(fd *FD, f *os.File, off int64, n int) (int, error) {
	if n > fileChunk {
		n = fileChunk
	}
	buf := make([]byte, n)
	m, err := f.ReadAt(buf, off)
	if m == 0 {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, err
	}
	return SendTo(fd, "tcp", buf[:m], nil)
}

func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return os.NewSyscallError(op, mapErr(err))
}

// mapErr turns the Winsock and NT errors that the layers above tell apart
// into the portable syscall values (syscall.ECONNREFUSED…), which Go
// defines on Windows too.
func mapErr(err error) error {
	errno, ok := err.(syscall.Errno)
	if !ok {
		return err
	}
	switch errno {
	case windows.WSAECONNREFUSED, windows.ERROR_CONNECTION_REFUSED:
		return syscall.ECONNREFUSED
	case windows.WSAECONNRESET, windows.WSAECONNABORTED, windows.ERROR_NETNAME_DELETED,
		windows.ERROR_CONNECTION_ABORTED:
		return syscall.ECONNRESET
	case windows.WSAEADDRINUSE:
		return syscall.EADDRINUSE
	case windows.WSAEADDRNOTAVAIL:
		return syscall.EADDRNOTAVAIL
	case windows.WSAENETUNREACH, windows.ERROR_NETWORK_UNREACHABLE:
		return syscall.ENETUNREACH
	case windows.WSAEHOSTUNREACH, windows.ERROR_HOST_UNREACHABLE:
		return syscall.EHOSTUNREACH
	case windows.WSAETIMEDOUT, windows.ERROR_SEM_TIMEOUT:
		return syscall.ETIMEDOUT
	case windows.WSAEWOULDBLOCK:
		return syscall.EAGAIN
	case windows.WSAEMFILE:
		return syscall.EMFILE
	case windows.WSAENOBUFS:
		return syscall.ENOBUFS
	case windows.WSAEAFNOSUPPORT:
		return syscall.EAFNOSUPPORT
	case windows.WSAENOTCONN:
		return syscall.ENOTCONN
	}
	return err
}

// mapRecvErr maps a datagram receive error: Windows reports an ICMP port
// unreachable as a reset, Unix as a refusal.
func mapRecvErr(err error) error {
	switch err {
	case windows.WSAECONNRESET, windows.ERROR_PORT_UNREACHABLE, windows.ERROR_NETNAME_DELETED:
		return syscall.ECONNREFUSED
	}
	return mapErr(err)
}

// isEOF reports whether a read error means the end of the stream.
func isEOF(err error) bool {
	switch err {
	case windows.ERROR_BROKEN_PIPE, windows.ERROR_HANDLE_EOF, windows.ERROR_PIPE_NOT_CONNECTED:
		return true
	}
	return false
}

// ToSockaddr converts addr to a socket address of the given family.
func ToSockaddr(fam int, addr net.Addr) (windows.Sockaddr, error) {
	in, path, isUnix, err := splitAddr(addr)
	switch {
	case err != nil:
		return nil, err
	case isUnix:
		return &windows.SockaddrUnix{Name: path}, nil
	}
	switch fam {
	case windows.AF_INET:
		ip, err := in.ip4()
		if err != nil {
			return nil, err
		}
		return &windows.SockaddrInet4{Port: in.port, Addr: ip}, nil
	case windows.AF_INET6:
		return &windows.SockaddrInet6{Port: in.port, ZoneId: in.zone, Addr: in.ip16()}, nil
	}
	return nil, syscall.EAFNOSUPPORT
}

// FromSockaddr converts a socket address to a net.Addr for network.
func FromSockaddr(network string, sa windows.Sockaddr) net.Addr {
	dgram := sotype(network) == windows.SOCK_DGRAM
	switch sa := sa.(type) {
	case *windows.SockaddrInet4:
		return inetAddr(dgram, netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port)))
	case *windows.SockaddrInet6:
		return inetAddr(dgram, inet6AddrPort(sa.Addr, sa.ZoneId, sa.Port))
	case *windows.SockaddrUnix:
		return unixAddr(sa.Name, dgram)
	}
	return nil
}

// WatchDirectory sets what a registered directory handle's reads report:
// its StartRead then issues ReadDirectoryChangesW with this filter
// (FILE_NOTIFY_CHANGE_* bits; 0 means names, sizes, times and
// attributes), on the whole tree when subtree is true. Each ReadDone
// delivers FILE_NOTIFY_INFORMATION records; an empty one means the
// system's change buffer overflowed and events were lost.
func WatchDirectory(fd *FD, mask uint32, subtree bool) {
	fd.sys.dirMask, fd.sys.dirSub = mask, subtree
}

// Socket options that x/sys/windows does not name.
const (
	soType          = 0x1008 // SO_TYPE
	soProtocolInfoW = 0x2005 // SO_PROTOCOL_INFOW
)
