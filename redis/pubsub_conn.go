package redis

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/tlsx"
)

// dial connects and starts the handshake. Loop-only.
func (ps *PubSub) dial() {
	ps.timer = nil
	if ps.closed {
		return
	}
	h := &psHandler{ps: ps}
	conn, err := ps.c.loop.Dial("tcp", ps.c.addr, h)
	if err != nil {
		ps.retry()
		return
	}
	if cfg := ps.c.opts.TLSConfig; cfg != nil {
		conn.SetLayer(tlsx.ClientLayer(tlsx.ClientConfig(cfg, ps.c.addr)))
	}
	ps.conn = conn
	ps.dec.Reset()
	ps.ready = false
	ps.proto = ps.c.opts.Protocol
	ps.hello()
}

// hello writes the handshake for ps.proto and counts its replies.
func (ps *PubSub) hello() {
	o := ps.c.opts
	var out []byte
	ps.hsWait = 0
	if ps.proto == 3 {
		cmd := resp.NewCommand(nil).Str("HELLO").Str("3")
		if o.Password != "" {
			cmd.Str("AUTH").Str(userOrDefault(o.Username)).Str(o.Password)
		}
		if o.ClientName != "" {
			cmd.Str("SETNAME").Str(o.ClientName)
		}
		out = cmd.Finish()
		ps.hsWait = 1
	} else {
		if o.Password != "" {
			if o.Username != "" {
				out = resp.AppendCommand(out, "AUTH", o.Username, o.Password)
			} else {
				out = resp.AppendCommand(out, "AUTH", o.Password)
			}
			ps.hsWait++
		}
		if o.ClientName != "" {
			out = resp.AppendCommand(out, "CLIENT", "SETNAME", o.ClientName)
			ps.hsWait++
		}
	}
	if ps.hsWait == 0 {
		ps.resume()
		return
	}
	ps.conn.Write(out)
}

// resume restores the subscriptions once the handshake is done.
func (ps *PubSub) resume() {
	ps.ready = true
	var out []byte
	total := 0
	for kind, set := range ps.subs {
		if len(set) == 0 {
			continue
		}
		cmd := resp.NewCommand(out).Str(subCmds[kind])
		for n := range set {
			cmd.Str(n)
		}
		total += len(set)
		out = cmd.Finish()
	}
	resumed := ps.resumed
	ps.resumed = nil
	if total == 0 {
		for _, p := range resumed {
			p.Resolve(struct{}{})
		}
		return
	}
	// One waiter per command would do as well; confirmations of all the
	// kinds arrive in order, so one waiter counts them all, and the
	// futures waiting for the connection resolve after the last.
	ps.waiting = append(ps.waiting, &subWait{n: total})
	for _, p := range resumed {
		ps.waiting = append(ps.waiting, &subWait{n: 0, p: p})
	}
	ps.conn.Write(out)
}

// retry schedules the next connection attempt with capped, jittered
// exponential backoff.
func (ps *PubSub) retry() {
	lo, hi := ps.c.opts.MinBackoff, ps.c.opts.MaxBackoff
	if lo <= 0 {
		lo = 50 * time.Millisecond
	}
	if hi <= 0 {
		hi = 5 * time.Second
	}
	d := min(lo<<min(ps.attempts, 20), hi)
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	ps.attempts++
	ps.timer = ps.c.loop.AfterFunc(d, ps.dial)
}

// onValue handles one decoded value. It returns an error to drop the
// connection.
func (ps *PubSub) onValue(v resp.Value) error {
	if ps.hsWait > 0 {
		ps.hsWait--
		if v.IsError() {
			re, _ := v.Err().(*Error)
			if ps.proto == 3 && re != nil && helloRefused(re) {
				ps.proto = 2
				ps.hello()
				return nil
			}
			return &driver.SetupError{Err: v.Err()}
		}
		if ps.hsWait == 0 {
			ps.attempts = 0
			ps.resume()
		}
		return nil
	}
	if v.IsError() {
		if len(ps.waiting) > 0 {
			w := ps.waiting[0]
			ps.waiting = ps.waiting[1:]
			if w.p != nil {
				w.p.Reject(v.Err())
			}
		}
		return nil
	}
	kind := string(v.PushKind())
	e := v.Elems()
	str := func(i int) string {
		if i < len(e) {
			s, _ := e[i].Str()
			return s
		}
		return ""
	}
	switch kind {
	case "message", "smessage":
		ps.handler(Message{Kind: kind, Channel: str(1), Payload: str(2)})
	case "pmessage":
		ps.handler(Message{Kind: kind, Pattern: str(1), Channel: str(2), Payload: str(3)})
	case "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe":
		ps.confirm()
	}
	return nil
}

// confirm counts one confirmation against the oldest waiting command and
// settles the commands it completes.
func (ps *PubSub) confirm() {
	if len(ps.waiting) > 0 {
		ps.waiting[0].n--
	}
	for len(ps.waiting) > 0 && ps.waiting[0].n <= 0 {
		w := ps.waiting[0]
		ps.waiting = ps.waiting[1:]
		if w.p != nil {
			w.p.Resolve(struct{}{})
		}
	}
}

// psHandler is the connection's handler.
type psHandler struct {
	eddy.BaseHandler
	ps *PubSub
}

// OnData decodes and handles what the server sent.
func (h *psHandler) OnData(c *eddy.Conn, data []byte) int {
	ps := h.ps
	if c != ps.conn {
		return len(data)
	}
	ps.dec.Feed(data)
	for {
		v, err := ps.dec.Next()
		if errors.Is(err, resp.ErrNeedMore) {
			break
		}
		if err == nil {
			err = ps.onValue(v.Clone())
		}
		if err != nil {
			c.Close()
			break
		}
	}
	return len(data)
}

// OnClose keeps the subscriptions for the next connection and schedules it.
func (h *psHandler) OnClose(c *eddy.Conn, _ error) {
	ps := h.ps
	if c != ps.conn {
		return
	}
	ps.conn = nil
	wasReady := ps.ready
	ps.ready = false
	// Commands in flight are restored with the rest on the next
	// connection; their futures resolve then.
	for _, w := range ps.waiting {
		if w.p != nil {
			ps.resumed = append(ps.resumed, w.p)
		}
	}
	ps.waiting = nil
	if ps.closed {
		ps.failAll(ErrClosed)
		return
	}
	if wasReady {
		ps.attempts = 0
	}
	ps.retry()
}
