package eddy

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Signal is a handler for an operating-system signal, added with
// Loop.Signal. Its methods are loop-only.
type Signal struct {
	loop   *Loop
	sig    os.Signal
	fn     func(os.Signal)
	active bool
	unref  bool
}

// signalSet holds a loop's signal subscriptions: one channel, and one
// small forwarding goroutine, per signal in use. Stopping a channel with
// signal.Stop restores the process's own handling of that signal once no
// other subscriber is left, so removing the last handler, or ending the
// loop, leaves the process as it was. The one thing signal.Stop does not
// restore, a signal the program had ignored, is restored here (see
// watched).
type signalSet struct {
	loop *Loop
	subs map[os.Signal]*signalSub
}

type signalSub struct {
	ch       chan os.Signal
	done     chan struct{}
	handlers []*Signal
}

// Signal calls fn on the loop each time the process receives sig, until
// the returned handler is stopped. Several handlers may watch the same
// signal. An active handler keeps the loop alive unless Unref'd.
// Loop-only.
//
// When the last handler of sig in the program stops (or its loop ends),
// the process handles sig as it did before, as signal.Stop does; a
// channel the program subscribed itself with signal.Notify keeps
// receiving it. The exception is a signal the program ignored before
// (signal.Ignore, or SIGHUP under nohup): it is ignored again, and
// signal.Ignore also stops the deliveries to such a channel.
//
// SIGKILL (os.Kill), and SIGSTOP on Unix, cannot be caught: Signal
// refuses them (and a nil signal, or signal 0) with an error that
// matches ErrUncatchableSignal, rather than add a handler that would
// never run and would keep the loop alive.
//
// Portability: on Windows, console control events arrive as os.Interrupt.
func (l *Loop) Signal(sig os.Signal, fn func(os.Signal)) (*Signal, error) {
	if err := l.opening(); err != nil {
		return nil, err
	}
	if n, ok := sig.(syscall.Signal); sig == nil || ok && n <= 0 || uncatchable(sig) {
		return nil, fmt.Errorf("%w: %v", ErrUncatchableSignal, sig)
	}
	if l.sigs == nil {
		l.sigs = &signalSet{loop: l, subs: map[os.Signal]*signalSub{}}
	}
	s := &Signal{loop: l, sig: sig, fn: fn}
	l.sigs.add(s)
	return s, nil
}

func (ss *signalSet) add(s *Signal) {
	sub := ss.subs[s.sig]
	if sub == nil {
		sub = &signalSub{ch: make(chan os.Signal, 8), done: make(chan struct{})}
		ss.subs[s.sig] = sub
		watchSignal(sub.ch, s.sig)
		l := ss.loop
		go func(sig os.Signal) {
			defer close(sub.done)
			for range sub.ch {
				if l.Post(func() { ss.deliver(sig, sub) }) != nil {
					return
				}
			}
		}(s.sig)
	}
	sub.handlers = append(sub.handlers, s)
	s.active = true
	if !s.unref {
		ss.loop.refs++
	}
}

// deliver calls the handlers of sub, which received sig, unless sub has
// been removed since: a signal that came while the handlers of that time
// watched is not for handlers added later.
func (ss *signalSet) deliver(sig os.Signal, sub *signalSub) {
	if ss.subs[sig] != sub {
		return
	}
	for _, h := range append([]*Signal(nil), sub.handlers...) {
		if h.active {
			ss.loop.call(func() { h.fn(sig) })
		}
	}
}

func (ss *signalSet) remove(s *Signal) {
	sub := ss.subs[s.sig]
	if sub == nil {
		return
	}
	for i, h := range sub.handlers {
		if h == s {
			sub.handlers = append(sub.handlers[:i], sub.handlers[i+1:]...)
			break
		}
	}
	if len(sub.handlers) == 0 {
		delete(ss.subs, s.sig)
		unwatchSignal(sub.ch, s.sig)
		close(sub.ch)
		<-sub.done
	}
}

func (ss *signalSet) stopAll() {
	for _, sub := range ss.subs {
		for _, h := range append([]*Signal(nil), sub.handlers...) {
			h.Stop()
		}
	}
}

// Stop removes the handler. When it was the last handler of its signal on
// this loop, the loop stops watching the signal.
func (s *Signal) Stop() {
	if !s.active {
		return
	}
	s.active = false
	if !s.unref {
		s.loop.refs--
	}
	s.loop.sigs.remove(s)
}

// Unref stops the handler from keeping the loop alive.
func (s *Signal) Unref() {
	if !s.unref && s.active {
		s.loop.refs--
	}
	s.unref = true
}

// Ref undoes Unref.
func (s *Signal) Ref() {
	if s.unref && s.active {
		s.loop.refs++
	}
	s.unref = false
}

// watched counts, for each signal, the loops of the process that watch
// it, and remembers whether the program ignored it (signal.Ignore, or
// ignored when the program started, as nohup does) before the first of
// them began to. signal.Notify un-ignores a signal and signal.Stop does
// not ignore it again: left so, a SIGTERM the program had ignored would
// kill it once the loops stop watching.
var watched struct {
	mu   sync.Mutex
	sigs map[os.Signal]*watchedSignal
}

type watchedSignal struct {
	loops   int
	ignored bool
}

// watchSignal sends sig to ch, as signal.Notify.
func watchSignal(ch chan os.Signal, sig os.Signal) {
	watched.mu.Lock()
	defer watched.mu.Unlock()
	w := watched.sigs[sig]
	if w == nil {
		if watched.sigs == nil {
			watched.sigs = map[os.Signal]*watchedSignal{}
		}
		w = &watchedSignal{ignored: signal.Ignored(sig)}
		watched.sigs[sig] = w
	}
	w.loops++
	signal.Notify(ch, sig)
}

// unwatchSignal stops sending sig to ch, as signal.Stop, and ignores sig
// again when the last loop stops watching a signal that was ignored
// before.
func unwatchSignal(ch chan os.Signal, sig os.Signal) {
	watched.mu.Lock()
	defer watched.mu.Unlock()
	signal.Stop(ch)
	w := watched.sigs[sig]
	if w == nil {
		return
	}
	if w.loops--; w.loops > 0 {
		return
	}
	delete(watched.sigs, sig)
	if w.ignored {
		signal.Ignore(sig)
	}
}
