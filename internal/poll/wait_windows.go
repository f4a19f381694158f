//go:build windows

package poll

import (
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Notify on Windows: RegisterWaitForSingleObject asks the system thread
// pool to watch an object handle (a process) once; when it is signaled,
// the pool thread runs waitFired, which posts the wait's key to the
// poller's completion port. No goroutine waits; the callback carries only
// a number, looked up in waitReg, so no Go pointer crosses into the
// system.

// waitReg maps the keys of armed waits to their completion ports.
var waitReg struct {
	sync.Mutex
	ports map[uintptr]windows.Handle
	next  uintptr
	cb    uintptr
}

// waitFired is the WAITORTIMERCALLBACK of every wait.
func waitFired(key, timedOut uintptr) uintptr {
	waitReg.Lock()
	port, ok := waitReg.ports[key]
	waitReg.Unlock()
	if ok {
		_ = windows.PostQueuedCompletionStatus(port, 0, key, nil)
	}
	return 0
}

// wait arms o's one-shot wait on its FD's object handle.
func (p *iocp) wait(o *op) error {
	waitReg.Lock()
	if waitReg.ports == nil {
		waitReg.ports = map[uintptr]windows.Handle{}
		waitReg.next = keyNotifyBase
		waitReg.cb = windows.NewCallback(waitFired)
	}
	key := waitReg.next
	waitReg.next++
	waitReg.ports[key] = p.port
	cb := waitReg.cb
	waitReg.Unlock()
	const wtExecuteOnlyOnce = 0x8
	var h windows.Handle
	r, _, e := procRegisterWait.Call(uintptr(unsafe.Pointer(&h)), uintptr(o.fd.sock), cb, key,
		uintptr(windows.INFINITE), wtExecuteOnlyOnce)
	if r == 0 {
		waitReg.Lock()
		delete(waitReg.ports, key)
		waitReg.Unlock()
		return os.NewSyscallError("registerwaitforsingleobject", e)
	}
	o.waitKey, o.waitH = key, h
	p.waits[key] = o
	return nil
}

// unwait cancels o's wait, if armed, and waits for its callback to end.
// A key it already posted is then unknown and ignored.
func (p *iocp) unwait(o *op) {
	if o.waitKey == 0 {
		return
	}
	_, _, _ = procUnregisterWaitEx.Call(uintptr(o.waitH), uintptr(windows.InvalidHandle))
	p.forget(o)
}

func (p *iocp) forget(o *op) {
	waitReg.Lock()
	delete(waitReg.ports, o.waitKey)
	waitReg.Unlock()
	delete(p.waits, o.waitKey)
	o.waitKey, o.waitH = 0, 0
}

// notified handles the key posted by a signaled wait.
func (p *iocp) notified(key uintptr) {
	o := p.waits[key]
	if o == nil {
		return
	}
	// The callback has run: release the wait without blocking.
	_, _, _ = procUnregisterWaitEx.Call(uintptr(o.waitH), 0)
	p.forget(o)
	fd := o.fd
	if fd == nil || fd.flags&fNotify == 0 {
		return
	}
	fd.flags &^= fNotify
	fd.owner.NotifyDone(nil)
}
