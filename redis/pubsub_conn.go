package redis

import (
	"errors"
	"math/rand/v2"
	"strings"
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
	if ps.owner != nil {
		ps.owner.place(ps)
	}
	h := &psHandler{ps: ps}
	d := ps.dialTimeout()
	conn, err := ps.c.loop.Dial("tcp", ps.addr, h, eddy.WithDialTimeout(d))
	if err != nil {
		ps.lost()
		return
	}
	if cfg := ps.c.opts.TLSConfig; cfg != nil {
		conn.SetLayer(tlsx.ClientLayer(tlsx.ClientConfig(cfg, ps.addr), tlsx.WithHandshakeTimeout(d)))
	}
	ps.conn = conn
	ps.dec.Reset()
	ps.ready = false
	ps.proto = ps.c.opts.Protocol
	ps.hello()
}

// dialTimeout bounds the connect and, separately, the handshake, as
// Options.DialTimeout does for the other connections (see
// driver.Config.DialTimeout).
func (ps *PubSub) dialTimeout() time.Duration {
	if d := ps.c.opts.DialTimeout; d > 0 {
		return d
	}
	return 10 * time.Second
}

// stopHandshakeTimer stops the timer of the handshake, if it runs.
func (ps *PubSub) stopHandshakeTimer() {
	if ps.hsTimer != nil {
		ps.hsTimer.Stop()
		ps.hsTimer = nil
	}
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

// resume restores the subscriptions once the handshake is done. The
// subscriptions made before the connection dropped go in one command per
// kind (per slot for shard channels), and each change made since (or not confirmed when it dropped)
// sends the names it added in a command of its own, each command with
// its waiter: a refusal (an ACL changed meanwhile) then fails only the
// command refused, and drops only its names.
func (ps *PubSub) resume() {
	ps.ready = true
	ps.stopHandshakeTimer()
	if ps.owner != nil {
		ps.owner.ready()
	}
	resumed := ps.resumed
	ps.resumed = nil
	var own [len(subCmds)]map[string]bool // names the changes send themselves
	for _, w := range resumed {
		if !w.sub {
			continue
		}
		if own[w.kind] == nil {
			own[w.kind] = map[string]bool{}
		}
		kept := w.names[:0]
		for _, n := range w.names {
			if ps.subs[w.kind][n] && !own[w.kind][n] { // not unsubscribed since
				own[w.kind][n] = true
				kept = append(kept, n)
			}
		}
		w.names = kept
	}
	var out []byte
	for kind, set := range ps.subs {
		// Shard channels go in one SSUBSCRIBE per slot: a cluster node
		// refuses one naming several slots (CROSSSLOT), which would drop
		// them all, although each was subscribed on its own.
		var ws map[int]*subWait
		for n := range set {
			if own[kind][n] {
				continue
			}
			group := 0
			if kind == subShard {
				group = Slot(n)
			}
			if ws == nil {
				ws = map[int]*subWait{}
			}
			w := ws[group]
			if w == nil {
				w = &subWait{kind: kind, sub: true}
				ws[group] = w
			}
			w.names = append(w.names, n)
		}
		for _, w := range ws {
			w.n = len(w.names)
			out = resp.NewCommand(out).Str(subCmds[kind]).Strs(w.names...).Finish()
			ps.waiting = append(ps.waiting, w)
		}
	}
	for _, w := range resumed {
		w.n = 0 // an unsubscribe, or nothing new: settles in turn
		if w.sub && len(w.names) > 0 {
			w.n = len(w.names)
			out = resp.NewCommand(out).Str(subCmds[w.kind]).Strs(w.names...).Finish()
		}
		ps.waiting = append(ps.waiting, w)
	}
	if len(out) == 0 {
		ps.settle()
		return
	}
	ps.conn.Write(out)
}

// retry schedules the next connection attempt with capped, jittered
// exponential backoff.
func (ps *PubSub) retry() {
	d := backoff(&ps.c.opts, ps.attempts)
	ps.attempts++
	ps.timer = ps.c.loop.AfterFunc(d, ps.dial)
}

// backoff is the pause before attempt number attempts (from 0) of a
// subscriber's reconnection: doubling from o.MinBackoff (50 ms by
// default) up to o.MaxBackoff (5 s), with the upper half jittered.
func backoff(o *Options, attempts int) time.Duration {
	lo, hi := o.MinBackoff, o.MaxBackoff
	if lo <= 0 {
		lo = 50 * time.Millisecond
	}
	if hi <= 0 {
		hi = 5 * time.Second
	}
	d := min(lo<<min(attempts, 20), hi)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
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
		ps.refused(v.Err())
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
		ps.confirm(kind, str(1))
	}
	return nil
}

// confirm counts one confirmation against the oldest waiting command and
// settles the commands it completes.
func (ps *PubSub) confirm(kind, name string) {
	// Changes that sent nothing (an unsubscribe made while the connection
	// was down) settle first: the confirmation is not theirs.
	ps.settle()
	if len(ps.waiting) == 0 || !strings.EqualFold(ps.waiting[0].command(), kind) {
		// No command of ours: the server dropped a subscription by
		// itself, as a cluster node does with the shard channels of a
		// slot it no longer serves. It is not made again after a
		// reconnect; a cluster's subscriber makes it on the slot's new
		// master instead.
		if kind == "sunsubscribe" && ps.subs[subShard][name] {
			delete(ps.subs[subShard], name)
			if ps.owner != nil {
				ps.owner.moved(ps, []string{name}, nil, nil)
			}
		}
		return
	}
	ps.waiting[0].n--
	ps.settle()
}

// command returns the name of w's command.
func (w *subWait) command() string {
	if w.sub {
		return subCmds[w.kind]
	}
	return unsubCmds[w.kind]
}

// refused fails the oldest waiting command, which the server refused as a
// whole (an ACL denying a channel...): the names it subscribed are
// dropped, since the server has not subscribed them, and a resubscription
// carrying them would be refused again, losing the others.
func (ps *PubSub) refused(err error) {
	ps.settle() // changes that sent nothing are not the ones refused
	if len(ps.waiting) == 0 {
		return
	}
	w := ps.waiting[0]
	ps.waiting = ps.waiting[1:]
	if w.sub {
		for _, n := range w.names {
			delete(ps.subs[w.kind], n)
		}
	}
	var re *Error
	if ps.owner != nil && w.sub && w.kind == subShard && errors.As(err, &re) && re.Code == "MOVED" {
		// The node no longer serves the slot: a cluster's subscriber
		// subscribes where MOVED says instead, and w's future settles
		// then.
		ps.owner.moved(ps, w.names, w.p, re)
	} else if w.p != nil {
		w.p.Reject(err)
	}
	ps.settle()
}

// settle settles the commands at the front that expect no more
// confirmations.
func (ps *PubSub) settle() {
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

// OnOpen bounds the handshake (HELLO, or AUTH and CLIENT SETNAME) by
// the dial timeout: a server that accepted the connection but does not
// answer must not hold the subscriptions for ever.
func (h *psHandler) OnOpen(c *eddy.Conn) {
	ps := h.ps
	if c != ps.conn || ps.ready {
		return
	}
	ps.stopHandshakeTimer()
	ps.hsTimer = ps.c.loop.AfterFunc(ps.dialTimeout(), func() {
		ps.hsTimer = nil
		if c == ps.conn && !ps.ready {
			c.Abort()
		}
	})
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
	ps.stopHandshakeTimer()
	wasReady := ps.ready
	ps.ready = false
	// Commands in flight are restored with the rest on the next
	// connection; their futures resolve then.
	for _, w := range ps.waiting {
		if w.p != nil {
			ps.resumed = append(ps.resumed, w)
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
	ps.lost()
}

// lost schedules the next connection after one failed or dropped. A
// cluster's subscriber asks its owner instead, which finds the node that
// now serves its subscriptions. Loop-only.
func (ps *PubSub) lost() {
	if ps.owner != nil {
		ps.owner.lost(ps)
		return
	}
	ps.retry()
}
