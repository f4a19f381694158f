package redis

import (
	"fmt"
	"time"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// XMessage is an entry of a stream.
type XMessage struct {
	ID     string
	Values map[string]string // nil for an entry deleted since it was read
}

// XStream is the part of an XREAD or XREADGROUP reply for one stream.
type XStream struct {
	Stream   string
	Messages []XMessage
}

// XReadArgs are the arguments of XRead and XReadGroup.
type XReadArgs struct {
	// Streams and IDs pair up: read Streams[i] after IDs[i] ("$" for new
	// entries only, ">" for XReadGroup's never-delivered entries).
	Streams, IDs []string
	// Count, if positive, limits the entries per stream.
	Count int64
	// Block, if not zero, waits for entries: up to Block if positive,
	// forever if negative. A blocking read runs on a connection of its
	// own, so it never stalls the shared one.
	Block time.Duration
	// NoAck (XReadGroup only) does not add the entries to the pending
	// list.
	NoAck bool
}

// XAdd appends an entry with fields (field, value, field, value...) to the
// stream at key, with id ("*" for a new one), and returns its ID. Safe for
// concurrent use.
func (c *cmds) XAdd(key, id string, fields ...string) *future.Future[string] {
	if len(fields) == 0 || len(fields)%2 != 0 {
		return future.Rejected[string](c.loop, ErrOddArgs)
	}
	return callAs(c, resp.NewCommand(nil).Str("XADD").Str(key).Str(id).Strs(fields...).Finish(), 0, strReply)
}

// XLen returns the number of entries of the stream at key. Safe for
// concurrent use.
func (c *cmds) XLen(key string) *future.Future[int64] {
	return callAs(c, resp.AppendCommand(nil, "XLEN", key), driver.Idempotent, intReply)
}

// XGroupCreate creates the consumer group group on the stream at key,
// starting after id ("$" for new entries, "0" for all), creating the
// stream if mkStream. Safe for concurrent use.
func (c *cmds) XGroupCreate(key, group, id string, mkStream bool) *future.Future[struct{}] {
	cmd := resp.NewCommand(nil).Str("XGROUP").Str("CREATE").Str(key).Str(group).Str(id)
	if mkStream {
		cmd.Str("MKSTREAM")
	}
	return callAs(c, cmd.Finish(), 0, ignoreReply)
}

// XAck acknowledges entries of group on the stream at key and returns how
// many were pending. Safe for concurrent use.
func (c *cmds) XAck(key, group string, ids ...string) *future.Future[int64] {
	return callAs(c, resp.NewCommand(nil).Str("XACK").Str(key).Str(group).Strs(ids...).Finish(), 0, intReply)
}

// XRead reads entries from streams. With nothing to return (a blocking
// read timed out) it resolves to an empty slice. Safe for concurrent use.
func (c *Client) XRead(a XReadArgs) *future.Future[[]XStream] {
	return c.xread(resp.NewCommand(nil).Str("XREAD"), a, false)
}

// XReadGroup reads entries from streams as consumer of group. Safe for
// concurrent use.
func (c *Client) XReadGroup(group, consumer string, a XReadArgs) *future.Future[[]XStream] {
	cmd := resp.NewCommand(nil).Str("XREADGROUP").Str("GROUP").Str(group).Str(consumer)
	return c.xread(cmd, a, true)
}

func (c *Client) xread(cmd *resp.Command, a XReadArgs, isGroup bool) *future.Future[[]XStream] {
	if len(a.Streams) == 0 || len(a.Streams) != len(a.IDs) {
		return future.Rejected[[]XStream](c.loop, fmt.Errorf("%w: %d streams and %d IDs", ErrOddArgs, len(a.Streams), len(a.IDs)))
	}
	if a.Count > 0 {
		cmd.Str("COUNT").Int(a.Count)
	}
	if a.Block != 0 {
		cmd.Str("BLOCK").Int(blockMillis(a.Block))
	}
	if a.NoAck && isGroup {
		cmd.Str("NOACK")
	}
	b := cmd.Str("STREAMS").Strs(a.Streams...).Strs(a.IDs...).Finish()
	var f *future.Future[resp.Value]
	if a.Block != 0 {
		f = c.dedicated(b)
	} else {
		f = c.call(b, 0)
	}
	return future.Then(f, parseXRead)
}

// parseXRead converts an XREAD reply: a RESP3 map from stream to entries,
// or a RESP2 array of [stream, entries] pairs.
func parseXRead(v resp.Value) ([]XStream, error) {
	if v.IsNull() {
		return []XStream{}, nil
	}
	var pairs []resp.Value
	if v.Type() == resp.TypeMap {
		pairs = v.Elems()
	} else {
		a, err := v.Array()
		if err != nil {
			return nil, err
		}
		for _, p := range a {
			if p.Len() != 2 {
				return nil, &resp.TypeError{Got: p.Type(), Want: "stream and entries"}
			}
			pairs = append(pairs, p.Elems()...)
		}
	}
	out := make([]XStream, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		name, err := pairs[i].Str()
		if err != nil {
			return nil, err
		}
		msgs, err := parseXMessages(pairs[i+1])
		if err != nil {
			return nil, err
		}
		out = append(out, XStream{Stream: name, Messages: msgs})
	}
	return out, nil
}

func parseXMessages(v resp.Value) ([]XMessage, error) {
	a, err := v.Array()
	if err != nil {
		return nil, err
	}
	out := make([]XMessage, 0, len(a))
	for _, e := range a {
		if e.Len() != 2 {
			return nil, &resp.TypeError{Got: e.Type(), Want: "entry ID and fields"}
		}
		id, err := e.Elems()[0].Str()
		if err != nil {
			return nil, err
		}
		m := XMessage{ID: id}
		if fv := e.Elems()[1]; !fv.IsNull() {
			kv, err := fv.Map()
			if err != nil {
				return nil, err
			}
			m.Values = make(map[string]string, len(kv)/2)
			for j := 0; j+1 < len(kv); j += 2 {
				k, err := kv[j].Str()
				if err != nil {
					return nil, err
				}
				if m.Values[k], err = kv[j+1].Str(); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// blockMillis is XREAD's BLOCK argument: 0 (forever) for a negative d, at
// least 1 ms for a positive one.
func blockMillis(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	return max(d.Milliseconds(), 1)
}
