//go:build linux

package poll

import (
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// bufRing is a ring of provided buffers (IORING_REGISTER_PBUF_RING) from
// which multishot receives take their buffers. The ring and the buffers
// are mapped outside the Go heap, so the garbage collector never frees
// memory the kernel may still write.
type bufRing struct {
	ring []byte // the io_uring_buf entries, shared with the kernel
	bufs []byte
	size int
	mask uint16
	tail uint16
}

const (
	uOpRecv          = 27
	uRegisterPbuf    = 22
	uRecvMultishot   = 1 << 1
	uSQEBufferSelect = 1 << 5
	uCQEFBuffer      = 1 << 0
	uCQEBufferShift  = 16
	uBufGroup        = 0
)

// uBufReg is struct io_uring_buf_reg.
type uBufReg struct {
	ringAddr    uint64
	ringEntries uint32
	bgid        uint16
	flags       uint16
	resv        [3]uint64
}

// newBufRing maps n buffers of size bytes (n a power of two) and
// registers them with r as group uBufGroup.
func newBufRing(r *ring, n, size int) (*bufRing, error) {
	mem, err := unix.Mmap(-1, 0, n*16, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	bufs, err := unix.Mmap(-1, 0, n*size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		unix.Munmap(mem)
		return nil, os.NewSyscallError("mmap", err)
	}
	b := &bufRing{ring: mem, bufs: bufs, size: size, mask: uint16(n - 1)}
	reg := uBufReg{ringAddr: uint64(uintptr(unsafe.Pointer(&mem[0]))), ringEntries: uint32(n), bgid: uBufGroup}
	_, _, e := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), uRegisterPbuf, uintptr(unsafe.Pointer(&reg)), 1, 0, 0)
	if e != 0 {
		b.free()
		return nil, os.NewSyscallError("io_uring_register", e)
	}
	for i := 0; i < n; i++ {
		b.put(uint16(i))
	}
	b.publish()
	return b, nil
}

func (b *bufRing) free() {
	unix.Munmap(b.bufs)
	unix.Munmap(b.ring)
}

// get returns the first n bytes of buffer id.
func (b *bufRing) get(id uint16, n int) []byte {
	off := int(id) * b.size
	return b.bufs[off : off+n : off+b.size]
}

// put queues buffer id for the kernel; publish makes it visible.
func (b *bufRing) put(id uint16) {
	e := b.ring[int(b.tail&b.mask)*16:]
	*(*uint64)(unsafe.Pointer(&e[0])) = uint64(uintptr(unsafe.Pointer(&b.bufs[int(id)*b.size])))
	*(*uint32)(unsafe.Pointer(&e[8])) = uint32(b.size)
	*(*uint16)(unsafe.Pointer(&e[12])) = id
	b.tail++
}

// publish stores the tail, which shares a 32-bit word with the first
// entry's buffer id, with one atomic store.
func (b *bufRing) publish() {
	w := (*uint32)(unsafe.Pointer(&b.ring[12]))
	bid := *(*uint16)(unsafe.Pointer(&b.ring[12]))
	atomic.StoreUint32(w, uint32(b.tail)<<16|uint32(bid))
}

// recycle gives back the buffer that a completion carried, if any.
func (b *bufRing) recycle(flags uint32) {
	if flags&uCQEFBuffer != 0 {
		b.put(uint16(flags >> uCQEBufferShift))
		b.publish()
	}
}
