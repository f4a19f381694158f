package eddy

import "sync/atomic"

// Stats is a snapshot of a loop's counters.
type Stats struct {
	Conns       int    // open stream connections (TCP and Unix)
	Listeners   int    // open listeners
	PacketConns int    // open datagram sockets
	Timers      int    // pending timers
	Idles       int    // active idle callbacks
	Signals     int    // active signal handlers
	PendingWork int    // worker-pool jobs whose results are still to come
	Posted      int    // functions posted and not yet run (queue depth)
	Iterations  uint64 // loop turns so far
	TimersFired uint64 // timer callbacks run so far
	Accepted    uint64 // connections accepted so far
	Panics      uint64 // panics recovered so far
	Refs        int    // referenced handles and Refs keeping the loop alive
	Awaiting    int    // connections awaiting replies (ExpectReplies)
	Spins       uint64 // times the loop polled before sleeping (WithSpin)
}

type loopStats struct {
	conns, listeners, pconns, timers, idles, signals, pendingWork, refs, awaiting atomic.Int64
	iterations, timersFired, accepted, panics, spins                              atomic.Uint64
}

// Stats returns a snapshot of the loop's counters. Safe for concurrent
// use: counts owned by the loop are published before it sleeps, and at
// least every millisecond while it is busy.
func (l *Loop) Stats() Stats {
	s := &l.stats
	// Iterations first: publishStats stores it last, so the counts read
	// after it are at least as new as the turn it reports.
	iterations := s.iterations.Load()
	return Stats{
		Conns:       int(s.conns.Load()),
		Listeners:   int(s.listeners.Load()),
		PacketConns: int(s.pconns.Load()),
		Timers:      int(s.timers.Load()),
		Idles:       int(s.idles.Load()),
		Signals:     int(s.signals.Load()),
		PendingWork: int(s.pendingWork.Load()),
		Posted:      int(l.nposted.Load()),
		Iterations:  iterations,
		TimersFired: s.timersFired.Load(),
		Accepted:    s.accepted.Load(),
		Panics:      s.panics.Load(),
		Refs:        int(s.refs.Load()),
		Awaiting:    int(s.awaiting.Load()),
		Spins:       s.spins.Load(),
	}
}

// publishStats copies loop-only counts into the shared snapshot. The loop
// calls it before it sleeps and at most once a millisecond while busy, so
// a snapshot is at most a millisecond old. Only changed counts are stored:
// an atomic load is a plain read, a store a locked instruction.
func (l *Loop) publishStats() {
	l.published = l.now
	s := &l.stats
	set(&s.timers, l.timers.len())
	set(&s.idles, len(l.idles))
	set(&s.refs, l.refs)
	set(&s.awaiting, l.expecting)
	if s.spins.Load() != l.spins {
		s.spins.Store(l.spins)
	}
	n := 0
	if l.sigs != nil {
		for _, sub := range l.sigs.subs {
			n += len(sub.handlers)
		}
	}
	set(&s.signals, n)
	set(&s.conns, l.conns.n)
	set(&s.listeners, len(l.lns))
	set(&s.pconns, len(l.pconns))
	// Iterations last: a reader that sees a turn counted sees the counts
	// that turn published with it.
	if s.iterations.Load() != l.iterations {
		s.iterations.Store(l.iterations)
	}
}

func set(v *atomic.Int64, n int) {
	if v.Load() != int64(n) {
		v.Store(int64(n))
	}
}
