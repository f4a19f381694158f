//go:build !linux && !windows && !darwin && !freebsd && !dragonfly && !netbsd && !openbsd

package poll

import (
	"net"
	"os"
)

// This file lets the module build on systems that have no backend yet:
// every entry point reports ErrUnsupported. The kqueue and IOCP backends
// replace it.

// Sock is an operating-system socket handle.
type Sock = int

// InvalidSock is the zero handle value that names no socket.
const InvalidSock Sock = -1

// ListenConfig holds the options of a listening socket.
type ListenConfig struct {
	ReusePort bool
	Backlog   int
}

// New reports ErrUnsupported.
func New() (Poller, error) { return nil, ErrUnsupported }

// Listen reports ErrUnsupported.
func Listen(string, net.Addr, ListenConfig) (Sock, error) { return InvalidSock, ErrUnsupported }

// ListenPacket reports ErrUnsupported.
func ListenPacket(string, net.Addr, ListenConfig) (Sock, error) {
	return InvalidSock, ErrUnsupported
}

// Socket reports ErrUnsupported.
func Socket(string, net.Addr, net.Addr) (Sock, error) { return InvalidSock, ErrUnsupported }

// ConnectNow reports ErrUnsupported.
func ConnectNow(Sock, net.Addr) error { return ErrUnsupported }

// CloseSock reports ErrUnsupported.
func CloseSock(Sock) error { return ErrUnsupported }

// SetNoDelay reports ErrUnsupported.
func SetNoDelay(*FD, bool) error { return ErrUnsupported }

// SetLinger reports ErrUnsupported.
func SetLinger(*FD, int) error { return ErrUnsupported }

// SetBuffers reports ErrUnsupported.
func SetBuffers(*FD, int, int) error { return ErrUnsupported }

// ShutdownWrite reports ErrUnsupported.
func ShutdownWrite(*FD) error { return ErrUnsupported }

// LocalAddr returns nil.
func LocalAddr(*FD, string) net.Addr { return nil }

// RemoteAddr returns nil.
func RemoteAddr(*FD, string) net.Addr { return nil }

// SendTo reports ErrUnsupported.
func SendTo(*FD, string, []byte, net.Addr) (int, error) { return 0, ErrUnsupported }

// SendFile reports ErrUnsupported.
func SendFile(*FD, *os.File, int64, int) (int, error) { return 0, ErrUnsupported }

// AdoptFile reports ErrUnsupported.
func AdoptFile(uintptr) (Sock, error) { return InvalidSock, ErrUnsupported }

// WriteOnly reports false.
func WriteOnly(Sock) bool { return false }

// fdSys is the per-socket backend state: none without a backend.
type fdSys struct{}
