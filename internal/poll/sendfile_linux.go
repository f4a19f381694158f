package poll

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sendfileOp makes what progress it can on fd's pending SendFile, for
// epoll and io_uring alike (io_uring waits for writability with a poll,
// then calls it): first the head left in fd.wbufs, sent with MSG_MORE so
// that the kernel holds it for the file's first bytes, then the file with
// sendfile(2), whose last call pushes everything out. done is false when
// the socket buffer filled first.
func sendfileOp(fd *FD) (done bool, err error) {
	for len(fd.wbufs) > 0 {
		n, e := writeMore(fd, fd.wbufs)
		switch e {
		case 0:
			fd.wbufs = consume(fd.wbufs, n)
		case unix.EAGAIN:
			return false, nil
		case unix.EINTR:
		default:
			return true, os.NewSyscallError("sendmsg", e)
		}
	}
	return sendFileRegion(fd)
}

// headIovecs is how many head buffers writeMore sends per call; a head is
// one or two buffers in practice.
const headIovecs = 8

// writeMore writes what the socket takes of bufs, flagged MSG_MORE, with
// one sendmsg(2). A descriptor that is not a socket gets a plain writev.
func writeMore(fd *FD, bufs [][]byte) (int, unix.Errno) {
	var arr [headIovecs]unix.Iovec
	iov := arr[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		v := unix.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		if iov = append(iov, v); len(iov) == headIovecs {
			break
		}
	}
	if len(iov) == 0 {
		return 0, 0
	}
	if fd.sys.notSock {
		r, _, e := unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd.sock), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
		return int(r), e
	}
	msg := unix.Msghdr{Iov: &iov[0]}
	msg.SetIovlen(len(iov))
	r, _, e := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd.sock), uintptr(unsafe.Pointer(&msg)), unix.MSG_NOSIGNAL|unix.MSG_MORE)
	if e == unix.ENOTSOCK {
		fd.sys.notSock = true
		return writeMore(fd, bufs)
	}
	return int(r), e
}
