package eddy

// Idle is a callback that runs once every loop turn while it is active.
// While any Idle is active the loop polls for I/O without blocking. Its
// methods are loop-only.
type Idle struct {
	loop   *Loop
	fn     func()
	active bool
	unref  bool
}

// Idle starts fn as an idle callback. Loop-only.
func (l *Loop) Idle(fn func()) *Idle {
	i := &Idle{loop: l, fn: fn}
	i.Start()
	return i
}

// Start activates the idle callback; it does nothing if already active.
func (i *Idle) Start() {
	if i.active {
		return
	}
	i.active = true
	i.loop.idles = append(i.loop.idles, i)
	if !i.unref {
		i.loop.refs++
	}
}

// Stop deactivates the idle callback; it may be started again.
func (i *Idle) Stop() {
	if !i.active {
		return
	}
	i.active = false
	if !i.unref {
		i.loop.refs--
	}
	idles := i.loop.idles
	for k, x := range idles {
		if x == i {
			copy(idles[k:], idles[k+1:])
			idles[len(idles)-1] = nil
			i.loop.idles = idles[:len(idles)-1]
			break
		}
	}
}

// Active reports whether the idle callback is active.
func (i *Idle) Active() bool { return i.active }

// Unref stops the idle callback from keeping the loop alive.
func (i *Idle) Unref() {
	if !i.unref && i.active {
		i.loop.refs--
	}
	i.unref = true
}

// Ref undoes Unref.
func (i *Idle) Ref() {
	if i.unref && i.active {
		i.loop.refs++
	}
	i.unref = false
}

func (l *Loop) activeIdles() int { return len(l.idles) }

func (l *Loop) runIdles() {
	if len(l.idles) == 0 {
		return
	}
	// Copy, since callbacks may stop or start idles; the copy's array is
	// kept for the next turn (runIdles never runs inside itself).
	snapshot := append(l.idleSnap[:0], l.idles...)
	for k, i := range snapshot {
		if i.active {
			l.call(i.fn)
		}
		snapshot[k] = nil
	}
	l.idleSnap = snapshot[:0]
}
