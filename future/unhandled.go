package future

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
)

var unhandledHook atomic.Pointer[func(error)]

// SetUnhandledRejectionHandler sets the function that is told about
// rejections nobody handles, and returns the previous one (nil for the
// default, which logs with log/slog at error level). A nil h restores the
// default.
//
// A rejection is unhandled when the rejected future has no consumer
// (a step, combinator, Await, Chan, OnSettle...; OnCancel hooks and Peek
// do not count) at the moment it is rejected and still has none when the
// check runs: on the future's executor, after the callbacks already queued
// there, so handlers attached in the same callback, or the same loop turn,
// count. For a future without executor the check runs when the future is
// garbage collected. Only the end of a chain is reported, once, since each
// step hands the error on.
//
// Cancellations are never reported: neither the cancelled future nor the
// steps below it that nobody consumes, which receive its *CancelError. A
// cancellation is what its caller asked for (a request nobody waits for
// any more), as context.Canceled is in Go, so reporting it would only
// spam the log. The rule looks at the error: one that matches ErrCanceled
// or context.Canceled (through %w wrapping) is a cancellation, whatever
// cause was given to Cancel (a *CancelError is one even when its cause
// is a *PanicError: the panic that failed All, say, is reported where it
// happened), unless it holds a *PanicError outside a *CancelError, and a
// multiple error (errors.Join, *AggregateError) is one only if each of its
// errors is one. So a real error is still reported even if a cancel came
// first: a Catch that turns a cancellation into another error, a Finally
// that panics on a cancelled chain, an Any whose other inputs were
// cancelled. A Timeout that expires is not a cancellation: its
// *TimeoutError is a failure like any other and is reported if nobody
// handles it; only the input it abandons is cancelled, silently.
// Rejections that only say a step's executor stopped (ErrStopped) are
// not reported either: the loop is gone, and with it whoever would have
// handled them, so a loop shutting down would log a line per chain.
//
// h runs on the executor's goroutine (or a runtime cleanup goroutine) and
// must not block. On an executor each report is a call posted there of
// its own, so a panic in h meets the executor's panic handling and does
// not disturb the futures. Safe for concurrent use.
func SetUnhandledRejectionHandler(h func(err error)) (previous func(err error)) {
	var p *func(error)
	if h != nil {
		p = &h
	}
	if old := unhandledHook.Swap(p); old != nil {
		return *old
	}
	return nil
}

func reportUnhandled(err error) {
	if h := unhandledHook.Load(); h != nil {
		(*h)(err)
		return
	}
	slog.Error("future: unhandled rejection", "err", err)
}

// reportOn reports err from inside a drain of s. On an executor the
// handler runs in a posted call of its own, so that a panicking handler
// meets the executor's own panic handling instead of unwinding the drain,
// which would strand the work queued behind it.
func reportOn(s *sched, err error) {
	if s != nil && s.exec.Post(func() { reportUnhandled(err) }) == nil {
		return
	}
	reportUnhandled(err)
}

// isCancellation reports whether err only says that something was
// cancelled, or that its executor stopped (see
// SetUnhandledRejectionHandler): it matches ErrCanceled, context.Canceled
// or ErrStopped, holds no *PanicError, and each error of a multiple error
// is one too. It runs only for rejections nobody
// handled, never on a hot path.
func isCancellation(err error) bool {
	if errors.Is(err, ErrStopped) {
		// The executor's own error rides along (fmt's %w twice): the
		// stop says it all.
		return true
	}
	switch e := err.(type) {
	case nil:
		return false
	case *CancelError:
		return true
	case *PanicError:
		return false
	case interface{ Unwrap() []error }:
		errs := e.Unwrap()
		for _, x := range errs {
			if !isCancellation(x) {
				return false
			}
		}
		return len(errs) > 0
	}
	if x, ok := err.(interface{ Is(error) bool }); ok && (x.Is(ErrCanceled) || x.Is(context.Canceled)) {
		return true
	}
	if x, ok := err.(interface{ Unwrap() error }); ok {
		return isCancellation(x.Unwrap())
	}
	return err == context.Canceled || err == ErrCanceled
}
