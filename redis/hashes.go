package redis

import (
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// HSet sets fields of the hash at key, given as field, value, field,
// value..., and returns how many fields are new. Safe for concurrent use.
func (c *cmds) HSet(key string, fv ...string) *future.Future[int64] {
	if len(fv) == 0 || len(fv)%2 != 0 {
		return future.Rejected[int64](c.loop, ErrOddArgs)
	}
	return callAs(c, resp.NewCommand(nil).Str("HSET").Str(key).Strs(fv...).Finish(), 0, intReply)
}

// HGet returns a field of the hash at key, or fails with Nil. Safe for
// concurrent use.
func (c *cmds) HGet(key, field string) *future.Future[string] {
	return callAs(c, resp.AppendCommand(nil, "HGET", key, field), driver.Idempotent, strReply)
}

// HMGet returns fields of the hash at key; missing ones are not Valid.
// Safe for concurrent use.
func (c *cmds) HMGet(key string, fields ...string) *future.Future[[]NullString] {
	return callAs(c, resp.NewCommand(nil).Str("HMGET").Str(key).Strs(fields...).Finish(), driver.Idempotent, nullStrings)
}

// HGetAll returns the hash at key (empty if missing). Safe for concurrent
// use.
func (c *cmds) HGetAll(key string) *future.Future[map[string]string] {
	return callAs(c, resp.AppendCommand(nil, "HGETALL", key), driver.Idempotent, stringMap)
}

// HDel deletes fields of the hash at key and returns how many existed.
// Safe for concurrent use.
func (c *cmds) HDel(key string, fields ...string) *future.Future[int64] {
	return callAs(c, resp.NewCommand(nil).Str("HDEL").Str(key).Strs(fields...).Finish(), 0, intReply)
}

// HExists reports whether the hash at key has field. Safe for concurrent
// use.
func (c *cmds) HExists(key, field string) *future.Future[bool] {
	return callAs(c, resp.AppendCommand(nil, "HEXISTS", key, field), driver.Idempotent, boolReply)
}

// HIncrBy adds n to an integer field of the hash at key and returns the
// result. Safe for concurrent use.
func (c *cmds) HIncrBy(key, field string, n int64) *future.Future[int64] {
	return callAs(c, resp.NewCommand(nil).Str("HINCRBY").Str(key).Str(field).Int(n).Finish(), 0, intReply)
}

// HLen returns the number of fields of the hash at key. Safe for
// concurrent use.
func (c *cmds) HLen(key string) *future.Future[int64] {
	return callAs(c, resp.AppendCommand(nil, "HLEN", key), driver.Idempotent, intReply)
}

// HKeys returns the field names of the hash at key. Safe for concurrent
// use.
func (c *cmds) HKeys(key string) *future.Future[[]string] {
	return callAs(c, resp.AppendCommand(nil, "HKEYS", key), driver.Idempotent, strSlice)
}
