package leakcheck

import (
	"time"
)

// Snapshot records the goroutines and open file descriptors of the process
// at one moment, to compare with later. Not safe for concurrent use.
type Snapshot struct {
	cfg        config
	goroutines map[uint64]bool
	fds        map[int]string
	countFDs   bool
}

// Take records the current goroutines and open file descriptors.
func Take(opts ...Option) *Snapshot {
	s := &Snapshot{cfg: newConfig(opts), goroutines: make(map[uint64]bool)}
	if !s.cfg.noFDs {
		warmUp()
		s.fds, s.countFDs = openFDs()
	}
	for _, g := range stacks() {
		s.goroutines[g.id] = true
	}
	return s
}

// Verify waits until every goroutine started since the snapshot has ended
// and there are no more open descriptors than at the snapshot, and returns
// nil; or, when the timeout set by [Timeout] runs out first, a *[LeakError]
// describing what is left. The calling goroutine is never reported.
func (s *Snapshot) Verify() error {
	deadline := time.Now().Add(s.cfg.timeout)
	wait := time.Millisecond
	for {
		err := s.check()
		if err == nil {
			return nil
		}
		if !time.Now().Before(deadline) {
			return err
		}
		time.Sleep(min(wait, time.Until(deadline)))
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// check compares the process with the snapshot once.
func (s *Snapshot) check() *LeakError {
	var e LeakError
	self := currentID()
	for _, g := range stacks() {
		if g.id == self || s.goroutines[g.id] || ignored(g.stack, s.cfg.ignore) {
			continue
		}
		e.Goroutines = append(e.Goroutines, g.stack)
	}
	if s.countFDs {
		if now, ok := openFDs(); ok && len(now) > len(s.fds) {
			e.FDsBefore, e.FDsAfter = len(s.fds), len(now)
			e.NewFDs = newFDs(s.fds, now)
		}
	}
	if len(e.Goroutines) == 0 && e.FDsAfter == 0 {
		return nil
	}
	return &e
}
