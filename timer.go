package eddy

import (
	"math"
	"time"
)

// Timer is a one-shot or repeating timer on a loop, created by
// Loop.AfterFunc or Loop.Every. Pending timers live in a 4-ary heap, so
// starting, stopping and firing cost O(log n) with small constants; a
// million pending timers are cheap. A Timer's methods are loop-only.
type Timer struct {
	loop   *Loop
	fn     func()
	when   int64 // loop time, nanoseconds
	seq    uint64
	period int64
	idx    int32 // position in the heap, -1 when not pending
	unref  bool
}

// AfterFunc runs fn on the loop once, after at least d. Loop-only.
func (l *Loop) AfterFunc(d time.Duration, fn func()) *Timer {
	t := &Timer{loop: l, fn: fn, idx: -1}
	t.start(d, 0)
	return t
}

// Every runs fn on the loop every d, first after d, until the timer is
// stopped. A turn that runs late does not cause a burst of catch-up calls.
// Loop-only.
func (l *Loop) Every(d time.Duration, fn func()) *Timer {
	if d <= 0 {
		d = time.Millisecond
	}
	t := &Timer{loop: l, fn: fn, idx: -1}
	t.start(d, d)
	return t
}

func (t *Timer) start(d, period time.Duration) {
	if d < 0 {
		d = 0
	}
	l := t.loop
	// Count from the real time, not the turn's cached one: a callback
	// (or the setup before Run) may have run long, and a timer must never
	// fire early.
	l.updateTime()
	t.when = addTime(l.now, int64(d))
	t.period = int64(period)
	l.timerSeq++
	t.seq = l.timerSeq
	l.timers.push(t)
	if !t.unref {
		l.refs++
	}
}

// Stop cancels the timer. It reports whether the timer was pending.
func (t *Timer) Stop() bool {
	if t.idx < 0 {
		return false
	}
	t.loop.timers.remove(t)
	if !t.unref {
		t.loop.refs--
	}
	return true
}

// Reset stops the timer if it is pending and starts it again to fire
// after d (and then every d, for a repeating timer, which stays
// repeating: like Every, it takes d <= 0 as a millisecond). It reports
// whether the timer was pending.
func (t *Timer) Reset(d time.Duration) bool {
	was := t.Stop()
	period := time.Duration(t.period)
	if period > 0 {
		if d <= 0 {
			d = time.Millisecond
		}
		period = d
	}
	t.start(d, period)
	return was
}

// Pending reports whether the timer will fire.
func (t *Timer) Pending() bool { return t.idx >= 0 }

// Unref stops the timer from keeping the loop alive.
func (t *Timer) Unref() {
	if !t.unref && t.idx >= 0 {
		t.loop.refs--
	}
	t.unref = true
}

// Ref undoes Unref.
func (t *Timer) Ref() {
	if t.unref && t.idx >= 0 {
		t.loop.refs++
	}
	t.unref = false
}

// addTime returns the loop time d after when, or the end of time if that
// is later than int64 can say: a timer set for math.MaxInt64 ("never")
// must not wrap around to a deadline in the past, which fired it at once
// and made pollTimeout's sleep overflow into days, holding up every other
// timer.
func addTime(when, d int64) int64 {
	if d > math.MaxInt64-when {
		return math.MaxInt64
	}
	return when + d
}

// runTimers fires the timers due at the turn's time. A timer started or
// reset by a callback of this pass (its seq is newer than the pass) waits
// for the next turn, even when it is already due: AfterFunc(0) that starts
// itself again must not keep the loop in this pass for ever. (A new
// timer is never due before the pass's time, and ties go to the older
// seq, so when the first timer is new, no older one is due.)
func (l *Loop) runTimers() {
	now, last := l.now, l.timerSeq
	for l.timers.len() > 0 {
		t := l.timers.top()
		if t.when > now || t.seq > last {
			return
		}
		if t.period > 0 {
			t.when = addTime(t.when, t.period)
			if t.when <= now {
				t.when = addTime(now, t.period)
			}
			l.timerSeq++
			t.seq = l.timerSeq
			l.timers.fix(0)
		} else {
			l.timers.remove(t)
			if !t.unref {
				l.refs--
			}
		}
		l.stats.timersFired.Add(1)
		l.call(t.fn)
	}
}

// timerHeap is a 4-ary min-heap ordered by (when, seq), so that timers due
// at the same time fire in the order they were started.
type timerHeap struct{ h []*Timer }

func (h *timerHeap) len() int    { return len(h.h) }
func (h *timerHeap) top() *Timer { return h.h[0] }
func less(a, b *Timer) bool      { return a.when < b.when || (a.when == b.when && a.seq < b.seq) }
func (h *timerHeap) set(i int, t *Timer) {
	h.h[i] = t
	t.idx = int32(i)
}

func (h *timerHeap) push(t *Timer) {
	h.h = append(h.h, t)
	t.idx = int32(len(h.h) - 1)
	h.up(len(h.h) - 1)
}

func (h *timerHeap) remove(t *Timer) {
	i := int(t.idx)
	last := len(h.h) - 1
	if i != last {
		h.set(i, h.h[last])
	}
	h.h[last] = nil
	h.h = h.h[:last]
	t.idx = -1
	if i != last {
		h.fix(i)
	}
	if cap(h.h) > minHeapCap && len(h.h) < cap(h.h)/4 {
		h.shrink()
	}
}

// minHeapCap is the capacity below which the heap's array is never
// shrunk.
const minHeapCap = 256

// shrink moves the heap into an array twice the size of what is in use,
// so that a burst of timers (many connections with idle timeouts,
// gone since) does not hold its largest array for the rest of the loop's
// life. It runs when a quarter of the array is used: its copy costs as
// much as the removals that led to it, and growing again needs as many
// pushes, so neither way thrashes.
func (h *timerHeap) shrink() {
	n := make([]*Timer, len(h.h), 2*len(h.h))
	copy(n, h.h)
	h.h = n
}

func (h *timerHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h *timerHeap) up(i int) {
	t := h.h[i]
	for i > 0 {
		p := (i - 1) / 4
		if !less(t, h.h[p]) {
			break
		}
		h.set(i, h.h[p])
		i = p
	}
	h.set(i, t)
}

func (h *timerHeap) down(i int) bool {
	t := h.h[i]
	start := i
	n := len(h.h)
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for j := c + 1; j < c+4 && j < n; j++ {
			if less(h.h[j], h.h[m]) {
				m = j
			}
		}
		if !less(h.h[m], t) {
			break
		}
		h.set(i, h.h[m])
		i = m
	}
	h.set(i, t)
	return i > start
}

func (h *timerHeap) clear() {
	for _, t := range h.h {
		t.idx = -1
	}
	h.h = nil
}
