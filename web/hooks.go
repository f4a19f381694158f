package web

import (
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpserver"
)

// Hook runs before or after a handler. It returns nil to go on at once,
// or a future that the request waits for (wookie-style), for example an
// authentication lookup in Redis. A future rejected with an error stops
// the request: the error is answered by Ctx.Error, so an *HTTPError
// chooses the status.
type Hook func(c *Ctx) *future.Future[struct{}]

// BeforeHook returns middleware that runs h before the handler. The
// handler runs once h's future (if any) resolves, and not at all if h
// ended the response itself or its future is rejected.
func BeforeHook(h Hook) Middleware {
	return func(next Handler) Handler {
		return func(c *Ctx) {
			f := h(c)
			if f == nil {
				if !c.W.Ended() {
					next(c)
				}
				return
			}
			httpserver.Wait(c.W, f, func(_ struct{}, err error) {
				switch {
				case c.W.Ended():
				case err != nil:
					c.Error(err)
				default:
					next(c)
				}
			})
		}
	}
}

// AfterHook returns middleware that runs h once the response has ended
// and its bytes are queued: for logging, metrics and cleanup, since the
// response can no longer change. Hooks added later run after the
// earlier ones have finished, a returned future included; a rejected
// future is passed to the future package's unhandled-rejection handler.
func AfterHook(h Hook) Middleware {
	return func(next Handler) Handler {
		return func(c *Ctx) {
			c.addEnded(h)
			next(c)
		}
	}
}

// addEnded queues an after hook, hooking the response's end once.
func (c *Ctx) addEnded(h Hook) {
	if c.afters == nil {
		c.W.OnEnd(c.runAfters)
	}
	c.afters = append(c.afters, h)
}

// runAfters runs the after hooks one after another.
func (c *Ctx) runAfters() {
	hooks := c.afters
	var run func(i int)
	run = func(i int) {
		for ; i < len(hooks); i++ {
			f := hooks[i](c)
			if f == nil {
				continue
			}
			if i+1 == len(hooks) {
				return
			}
			next := i + 1
			// Finally, not OnSettle, which would handle a rejection:
			// the result, which nobody consumes, carries it on to the
			// unhandled-rejection handler, as for the last hook.
			f.Finally(func() { run(next) })
			return
		}
	}
	run(0)
}
