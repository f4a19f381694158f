package redis

import (
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// LPush prepends values to the list at key and returns its new length.
// Safe for concurrent use.
func (c *cmds) LPush(key string, values ...string) *future.Future[int64] {
	return callAs(c, resp.NewCommand(nil).Str("LPUSH").Str(key).Strs(values...).Finish(), 0, intReply)
}

// RPush appends values to the list at key and returns its new length.
// Safe for concurrent use.
func (c *cmds) RPush(key string, values ...string) *future.Future[int64] {
	return callAs(c, resp.NewCommand(nil).Str("RPUSH").Str(key).Strs(values...).Finish(), 0, intReply)
}

// LPop removes and returns the first element of the list at key, or fails
// with Nil if it is empty. Safe for concurrent use.
func (c *cmds) LPop(key string) *future.Future[string] {
	return callAs(c, resp.AppendCommand(nil, "LPOP", key), 0, strReply)
}

// RPop removes and returns the last element of the list at key, or fails
// with Nil if it is empty. Safe for concurrent use.
func (c *cmds) RPop(key string) *future.Future[string] {
	return callAs(c, resp.AppendCommand(nil, "RPOP", key), 0, strReply)
}

// LRange returns the elements start to stop (inclusive; negative counts
// from the end) of the list at key. Safe for concurrent use.
func (c *cmds) LRange(key string, start, stop int64) *future.Future[[]string] {
	return callAs(c, resp.NewCommand(nil).Str("LRANGE").Str(key).Int(start).Int(stop).Finish(), driver.Idempotent, strSlice)
}

// LLen returns the length of the list at key. Safe for concurrent use.
func (c *cmds) LLen(key string) *future.Future[int64] {
	return callAs(c, resp.AppendCommand(nil, "LLEN", key), driver.Idempotent, intReply)
}

// LIndex returns the element at index of the list at key, or fails with
// Nil. Safe for concurrent use.
func (c *cmds) LIndex(key string, index int64) *future.Future[string] {
	return callAs(c, resp.NewCommand(nil).Str("LINDEX").Str(key).Int(index).Finish(), driver.Idempotent, strReply)
}

// LRem removes up to count occurrences of value (see LREM) and returns how
// many it removed. Safe for concurrent use.
func (c *cmds) LRem(key string, count int64, value string) *future.Future[int64] {
	return callAs(c, resp.NewCommand(nil).Str("LREM").Str(key).Int(count).Str(value).Finish(), 0, intReply)
}
