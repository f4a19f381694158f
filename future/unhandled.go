package future

import (
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
// step hands the error on; cancellations are never reported.
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
