package web

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Recover returns middleware that turns a panic in the handlers it wraps
// (in their synchronous part: callbacks that run later are not covered)
// into a 500 response with "Connection: close", logged once to log
// (slog.Default() if nil). When the head has already been sent, the
// response is only ended. An inner Recover handles a panic before an
// outer one sees it.
func Recover(log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return func(c *Ctx) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				l := log
				if l == nil {
					l = slog.Default()
				}
				l.Error("web: handler panic", "method", c.R.Method, "path", c.R.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if c.W.Ended() {
					return
				}
				if c.W.Committed() {
					c.W.End()
					return
				}
				c.W.Header().Set("Connection", "close")
				if c.W.Written() > 0 {
					// Part of a body is buffered already: it cannot
					// be taken back, so the 500 carries it.
					c.W.WriteHeader(500)
				} else {
					c.Text(500, "500 internal server error\n")
				}
				c.W.End()
			}()
			next(c)
		}
	}
}

// AccessLog returns middleware that logs each response to log
// (slog.Default() if nil) once it has ended, at level Info: method,
// path, status, body bytes, duration and remote address.
func AccessLog(log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return func(c *Ctx) {
			start := time.Now()
			c.W.OnEnd(func() {
				l := log
				if l == nil {
					l = slog.Default()
				}
				remote := ""
				if a := c.R.RemoteAddr(); a != nil {
					remote = a.String()
				}
				l.LogAttrs(context.Background(), slog.LevelInfo, "http",
					slog.String("method", c.R.Method),
					slog.String("path", c.R.Path),
					slog.Int("status", c.W.Status()),
					slog.Int64("bytes", c.W.Written()),
					slog.Duration("duration", time.Since(start)),
					slog.String("remote", remote))
			})
			next(c)
		}
	}
}
