package redis

import (
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/future"
)

// HSet sets fields of the hash at key, given as field, value, field,
// value..., and returns how many fields are new. Safe for concurrent use.
func (c *cmds) HSet(key string, fv ...string) *future.Future[int64] {
	if len(fv) == 0 || len(fv)%2 != 0 {
		return future.Rejected[int64](c.loop, ErrOddArgs)
	}
	return toInt(c.call(resp.NewCommand(nil).Str("HSET").Str(key).Strs(fv...).Finish(), 0))
}

// HGet returns a field of the hash at key, or fails with Nil. Safe for
// concurrent use.
func (c *cmds) HGet(key, field string) *future.Future[string] {
	return toString(c.read(resp.AppendCommand(nil, "HGET", key, field)))
}

// HMGet returns fields of the hash at key; missing ones are not Valid.
// Safe for concurrent use.
func (c *cmds) HMGet(key string, fields ...string) *future.Future[[]NullString] {
	return toNullStrings(c.read(resp.NewCommand(nil).Str("HMGET").Str(key).Strs(fields...).Finish()))
}

// HGetAll returns the hash at key (empty if missing). Safe for concurrent
// use.
func (c *cmds) HGetAll(key string) *future.Future[map[string]string] {
	return toStringMap(c.read(resp.AppendCommand(nil, "HGETALL", key)))
}

// HDel deletes fields of the hash at key and returns how many existed.
// Safe for concurrent use.
func (c *cmds) HDel(key string, fields ...string) *future.Future[int64] {
	return toInt(c.call(resp.NewCommand(nil).Str("HDEL").Str(key).Strs(fields...).Finish(), 0))
}

// HExists reports whether the hash at key has field. Safe for concurrent
// use.
func (c *cmds) HExists(key, field string) *future.Future[bool] {
	return toBool(c.read(resp.AppendCommand(nil, "HEXISTS", key, field)))
}

// HIncrBy adds n to an integer field of the hash at key and returns the
// result. Safe for concurrent use.
func (c *cmds) HIncrBy(key, field string, n int64) *future.Future[int64] {
	return toInt(c.call(resp.NewCommand(nil).Str("HINCRBY").Str(key).Str(field).Int(n).Finish(), 0))
}

// HLen returns the number of fields of the hash at key. Safe for
// concurrent use.
func (c *cmds) HLen(key string) *future.Future[int64] {
	return toInt(c.read(resp.AppendCommand(nil, "HLEN", key)))
}

// HKeys returns the field names of the hash at key. Safe for concurrent
// use.
func (c *cmds) HKeys(key string) *future.Future[[]string] {
	return toStrings(c.read(resp.AppendCommand(nil, "HKEYS", key)))
}
