package redis

import (
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// Z is a member of a sorted set with its score.
type Z struct {
	Member string
	Score  float64
}

// ZAdd adds members to the sorted set at key (or updates their scores)
// and returns how many are new. Safe for concurrent use.
func (c *cmds) ZAdd(key string, members ...Z) *future.Future[int64] {
	cmd := resp.NewCommand(nil).Str("ZADD").Str(key)
	for _, m := range members {
		cmd.Float(m.Score).Str(m.Member)
	}
	return callAs(c, cmd.Finish(), 0, intReply)
}

// ZScore returns the score of member in the sorted set at key, or fails
// with Nil. Safe for concurrent use.
func (c *cmds) ZScore(key, member string) *future.Future[float64] {
	return callAs(c, resp.AppendCommand(nil, "ZSCORE", key, member), driver.Idempotent, floatReply)
}

// ZIncrBy adds x to the score of member and returns the new score. Safe
// for concurrent use.
func (c *cmds) ZIncrBy(key string, x float64, member string) *future.Future[float64] {
	return callAs(c, resp.NewCommand(nil).Str("ZINCRBY").Str(key).Float(x).Str(member).Finish(), 0, floatReply)
}

// ZRem removes members from the sorted set at key and returns how many
// were there. Safe for concurrent use.
func (c *cmds) ZRem(key string, members ...string) *future.Future[int64] {
	return callAs(c, resp.NewCommand(nil).Str("ZREM").Str(key).Strs(members...).Finish(), 0, intReply)
}

// ZCard returns the size of the sorted set at key. Safe for concurrent
// use.
func (c *cmds) ZCard(key string) *future.Future[int64] {
	return callAs(c, resp.AppendCommand(nil, "ZCARD", key), driver.Idempotent, intReply)
}

// ZRange returns the members ranked start to stop (inclusive; negative
// counts from the end), lowest score first. Safe for concurrent use.
func (c *cmds) ZRange(key string, start, stop int64) *future.Future[[]string] {
	return callAs(c, resp.NewCommand(nil).Str("ZRANGE").Str(key).Int(start).Int(stop).Finish(), driver.Idempotent, strSlice)
}

// ZRangeWithScores is ZRange with the scores. Safe for concurrent use.
func (c *cmds) ZRangeWithScores(key string, start, stop int64) *future.Future[[]Z] {
	cmd := resp.NewCommand(nil).Str("ZRANGE").Str(key).Int(start).Int(stop).Str("WITHSCORES").Finish()
	return future.Then(c.read(cmd), parseZ)
}

// parseZ converts a WITHSCORES reply.
func parseZ(v resp.Value) ([]Z, error) {
	a, err := v.Array()
	if err != nil {
		return nil, mapNil(err)
	}
	var out []Z
	// RESP3 sends [member, score] pairs; RESP2 a flat list.
	if len(a) > 0 && a[0].Type() == resp.TypeArray {
		out = make([]Z, 0, len(a))
		for _, p := range a {
			e := p.Elems()
			if len(e) != 2 {
				return nil, &resp.TypeError{Got: p.Type(), Want: "member and score"}
			}
			if out, err = appendZ(out, e[0], e[1]); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if len(a)%2 != 0 {
		return nil, &resp.TypeError{Got: v.Type(), Want: "member and score pairs"}
	}
	out = make([]Z, 0, len(a)/2)
	for i := 0; i < len(a); i += 2 {
		if out, err = appendZ(out, a[i], a[i+1]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func appendZ(out []Z, m, s resp.Value) ([]Z, error) {
	member, err := m.Str()
	if err != nil {
		return nil, err
	}
	score, err := s.Float()
	if err != nil {
		return nil, err
	}
	return append(out, Z{member, score}), nil
}
