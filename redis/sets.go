package redis

import (
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// SAdd adds members to the set at key and returns how many are new. Safe
// for concurrent use.
func (c *cmds) SAdd(key string, members ...string) *future.Future[int64] {
	return callAs(c, resp.NewCommand(nil).Str("SADD").Str(key).Strs(members...).Finish(), 0, intReply)
}

// SRem removes members from the set at key and returns how many were
// there. Safe for concurrent use.
func (c *cmds) SRem(key string, members ...string) *future.Future[int64] {
	return callAs(c, resp.NewCommand(nil).Str("SREM").Str(key).Strs(members...).Finish(), 0, intReply)
}

// SMembers returns the members of the set at key, in no particular order.
// Safe for concurrent use.
func (c *cmds) SMembers(key string) *future.Future[[]string] {
	return callAs(c, resp.AppendCommand(nil, "SMEMBERS", key), driver.Idempotent, strSlice)
}

// SIsMember reports whether member is in the set at key. Safe for
// concurrent use.
func (c *cmds) SIsMember(key, member string) *future.Future[bool] {
	return callAs(c, resp.AppendCommand(nil, "SISMEMBER", key, member), driver.Idempotent, boolReply)
}

// SCard returns the size of the set at key. Safe for concurrent use.
func (c *cmds) SCard(key string) *future.Future[int64] {
	return callAs(c, resp.AppendCommand(nil, "SCARD", key), driver.Idempotent, intReply)
}
