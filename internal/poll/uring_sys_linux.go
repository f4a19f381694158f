//go:build linux

package poll

import (
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// This file holds the raw io_uring interface: the structures of the
// kernel's UAPI (include/uapi/linux/io_uring.h), written out by hand, and
// the ring that maps the submission and completion queues.

// uParams is struct io_uring_params.
type uParams struct {
	sqEntries    uint32
	cqEntries    uint32
	flags        uint32
	sqThreadCPU  uint32
	sqThreadIdle uint32
	features     uint32
	wqFD         uint32
	resv         [3]uint32
	sqOff        uSQOffsets
	cqOff        uCQOffsets
}

// uSQOffsets is struct io_sqring_offsets.
type uSQOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

// uCQOffsets is struct io_cqring_offsets.
type uCQOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

// uSQE is struct io_uring_sqe (64 bytes).
type uSQE struct {
	opcode      uint8
	flags       uint8
	ioprio      uint16
	fd          int32
	off         uint64
	addr        uint64
	len         uint32
	opFlags     uint32 // rw_flags, poll32_events, cancel_flags, msg_flags...
	userData    uint64
	bufIndex    uint16
	personality uint16
	spliceFDIn  int32
	addr3       uint64
	pad2        uint64
}

// uCQE is struct io_uring_cqe (16 bytes, without IORING_SETUP_CQE32).
type uCQE struct {
	userData uint64
	res      int32
	flags    uint32
}

// uGetEventsArg is struct io_uring_getevents_arg.
type uGetEventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

const (
	uOpNop         = 0
	uOpWritev      = 2
	uOpPollAdd     = 6
	uOpAsyncCancel = 14
	uOpRead        = 22

	uSetupCQSize      = 1 << 3
	uSetupSubmitAll   = 1 << 7
	uSetupCoopTaskrun = 1 << 8
	uSetupTaskrunFlag = 1 << 9

	uFeatSingleMmap = 1 << 0
	uFeatNoDrop     = 1 << 1
	uFeatExtArg     = 1 << 8

	uEnterGetEvents = 1 << 0
	uEnterExtArg    = 1 << 3

	uSQCQOverflow = 1 << 1
	uSQTaskrun    = 1 << 2

	uPollAddMulti = 1 << 0
	uCQEFMore     = 1 << 1

	uOffSQRing = 0
	uOffSQEs   = 0x10000000
)

// ring is one io_uring instance with its queues mapped.
type ring struct {
	fd       int
	ringMem  []byte
	sqeMem   []byte
	sqHead   *uint32
	sqTail   *uint32
	sqFlags  *uint32
	sqMask   uint32
	sqSize   uint32
	sqes     []uSQE
	tail     uint32 // our copy of the submission tail
	cqHead   *uint32
	cqTail   *uint32
	cqMask   uint32
	cqes     []uCQE
	eventArg uGetEventsArg
	ts       unix.Timespec
}

func ptr32(b []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&b[off])) }

// newRing creates a ring with sq submission entries and a completion
// queue four times as large.
func newRing(sq uint32) (*ring, error) {
	var p uParams
	p.flags = uSetupCQSize | uSetupSubmitAll | uSetupCoopTaskrun | uSetupTaskrunFlag
	p.cqEntries = sq * 4
	fd, _, e := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(sq), uintptr(unsafe.Pointer(&p)), 0)
	if e != 0 {
		return nil, os.NewSyscallError("io_uring_setup", e)
	}
	r := &ring{fd: int(fd)}
	need := uint32(uFeatSingleMmap | uFeatNoDrop | uFeatExtArg)
	if p.features&need != need {
		unix.Close(r.fd)
		return nil, ErrUnsupported
	}
	size := int(p.sqOff.array + p.sqEntries*4)
	if cq := int(p.cqOff.cqes + p.cqEntries*uint32(unsafe.Sizeof(uCQE{}))); cq > size {
		size = cq
	}
	mem, err := unix.Mmap(r.fd, uOffSQRing, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		unix.Close(r.fd)
		return nil, os.NewSyscallError("mmap", err)
	}
	sqeMem, err := unix.Mmap(r.fd, uOffSQEs, int(p.sqEntries)*int(unsafe.Sizeof(uSQE{})), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		unix.Munmap(mem)
		unix.Close(r.fd)
		return nil, os.NewSyscallError("mmap", err)
	}
	r.ringMem, r.sqeMem = mem, sqeMem
	r.sqHead = ptr32(mem, p.sqOff.head)
	r.sqTail = ptr32(mem, p.sqOff.tail)
	r.sqFlags = ptr32(mem, p.sqOff.flags)
	r.sqMask = *ptr32(mem, p.sqOff.ringMask)
	r.sqSize = p.sqEntries
	r.tail = atomic.LoadUint32(r.sqTail)
	r.sqes = unsafe.Slice((*uSQE)(unsafe.Pointer(&sqeMem[0])), p.sqEntries)
	// The submission array maps slots to entries: the identity, once.
	arr := unsafe.Slice((*uint32)(unsafe.Pointer(&mem[p.sqOff.array])), p.sqEntries)
	for i := range arr {
		arr[i] = uint32(i)
	}
	r.cqHead = ptr32(mem, p.cqOff.head)
	r.cqTail = ptr32(mem, p.cqOff.tail)
	r.cqMask = *ptr32(mem, p.cqOff.ringMask)
	r.cqes = unsafe.Slice((*uCQE)(unsafe.Pointer(&mem[p.cqOff.cqes])), p.cqEntries)
	return r, nil
}

func (r *ring) close() {
	unix.Munmap(r.sqeMem)
	unix.Munmap(r.ringMem)
	unix.Close(r.fd)
}

// unsubmitted counts the entries queued but not yet taken by the kernel.
func (r *ring) unsubmitted() uint32 { return r.tail - atomic.LoadUint32(r.sqHead) }

// sqe returns a zeroed submission entry, queued for the next enter; it
// submits what is queued first when the queue is full.
func (r *ring) sqe() *uSQE {
	for r.unsubmitted() >= r.sqSize {
		if err := r.enter(r.unsubmitted(), 0, 0, false); err != nil && err != unix.EINTR && err != unix.EBUSY && err != unix.EAGAIN {
			break
		}
	}
	e := &r.sqes[r.tail&r.sqMask]
	*e = uSQE{}
	r.tail++
	atomic.StoreUint32(r.sqTail, r.tail)
	return e
}

// enter calls io_uring_enter. A blocking call (minComplete > 0) goes
// through the scheduler; the others are raw system calls, which return
// at once.
func (r *ring) enter(toSubmit, minComplete, flags uint32, ext bool) error {
	var arg, argsz uintptr
	if ext {
		flags |= uEnterExtArg
		arg, argsz = uintptr(unsafe.Pointer(&r.eventArg)), unsafe.Sizeof(r.eventArg)
	}
	var e unix.Errno
	if minComplete > 0 {
		_, _, e = unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit), uintptr(minComplete), uintptr(flags), arg, argsz)
	} else {
		_, _, e = unix.RawSyscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit), 0, uintptr(flags), arg, argsz)
	}
	if e != 0 {
		return e
	}
	return nil
}

// ready counts the completions waiting in the queue.
func (r *ring) ready() uint32 { return atomic.LoadUint32(r.cqTail) - *r.cqHead }

// needEnter reports whether the kernel has work for an enter: task work
// that posts completions, or an overflowed completion queue.
func (r *ring) needEnter() bool {
	return atomic.LoadUint32(r.sqFlags)&(uSQTaskrun|uSQCQOverflow) != 0
}

// uintptrOf returns the address of a value that stays reachable (and, on
// the heap, unmoved) while the kernel uses it.
func uintptrOf[T any](v *T) uintptr { return uintptr(unsafe.Pointer(v)) }

// storeHead publishes the completion queue head.
func storeHead(r *ring, h uint32) { atomic.StoreUint32(r.cqHead, h) }
