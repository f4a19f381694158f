package redis

import (
	"time"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// SetOptions are the options of Set. The zero value sets unconditionally,
// without expiry.
type SetOptions struct {
	// TTL, if positive, sets an expiry (PX, in milliseconds).
	TTL time.Duration
	// NX sets only if the key does not exist; XX only if it does.
	NX, XX bool
	// KeepTTL keeps the key's current expiry (KEEPTTL).
	KeepTTL bool
}

// Get returns the value of key, or fails with Nil if it does not exist.
// It is sent again after a reconnect. With Options.CacheSize, values come
// from the client-side cache when it has them. Safe for concurrent use.
func (c *cmds) Get(key string) *future.Future[string] {
	cmd := resp.AppendCommand(make([]byte, 0, cmdCap(2, 3+len(key))), "GET", key)
	if c.cache != nil {
		return c.cachedGet(key, cmd)
	}
	return callAs(c, cmd, driver.Idempotent, strReply)
}

// Set sets key to value. It resolves to true if the value was set and to
// false if an NX or XX condition did not hold. Safe for concurrent use.
func (c *cmds) Set(key, value string, o SetOptions) *future.Future[bool] {
	cmd := resp.NewCommand(make([]byte, 0, cmdCap(5, 3+len(key)+len(value)+16))).Str("SET").Str(key).Str(value)
	if o.TTL > 0 {
		cmd.Str("PX").Int(millis(o.TTL))
	}
	if o.NX {
		cmd.Str("NX")
	}
	if o.XX {
		cmd.Str("XX")
	}
	if o.KeepTTL {
		cmd.Str("KEEPTTL")
	}
	return callAs(c, cmd.Finish(), 0, setReply)
}

// setReply is SET's reply: OK, or a null when NX or XX did not hold.
func setReply(v resp.Value) (bool, error) { return !v.IsNull(), nil }

// GetDel returns the value of key and deletes it, or fails with Nil.
// Safe for concurrent use.
func (c *cmds) GetDel(key string) *future.Future[string] {
	return callAs(c, resp.AppendCommand(nil, "GETDEL", key), 0, strReply)
}

// Incr adds 1 to the integer at key and returns the result. Safe for
// concurrent use.
func (c *cmds) Incr(key string) *future.Future[int64] {
	return callAs(c, resp.AppendCommand(nil, "INCR", key), 0, intReply)
}

// IncrBy adds n to the integer at key and returns the result. Safe for
// concurrent use.
func (c *cmds) IncrBy(key string, n int64) *future.Future[int64] {
	return callAs(c, resp.NewCommand(nil).Str("INCRBY").Str(key).Int(n).Finish(), 0, intReply)
}

// Decr subtracts 1 from the integer at key and returns the result. Safe
// for concurrent use.
func (c *cmds) Decr(key string) *future.Future[int64] {
	return callAs(c, resp.AppendCommand(nil, "DECR", key), 0, intReply)
}

// IncrByFloat adds x to the number at key and returns the result. Safe
// for concurrent use.
func (c *cmds) IncrByFloat(key string, x float64) *future.Future[float64] {
	return callAs(c, resp.NewCommand(nil).Str("INCRBYFLOAT").Str(key).Float(x).Finish(), 0, floatReply)
}

// Append appends value to the string at key and returns its new length.
// Safe for concurrent use.
func (c *cmds) Append(key, value string) *future.Future[int64] {
	return callAs(c, resp.AppendCommand(nil, "APPEND", key, value), 0, intReply)
}

// StrLen returns the length of the string at key (0 if missing). Safe for
// concurrent use.
func (c *cmds) StrLen(key string) *future.Future[int64] {
	return callAs(c, resp.AppendCommand(nil, "STRLEN", key), driver.Idempotent, intReply)
}

// MGet returns the values of keys, in order; missing keys are not Valid.
// Safe for concurrent use.
func (c *cmds) MGet(keys ...string) *future.Future[[]NullString] {
	return callAs(c, resp.NewCommand(nil).Str("MGET").Strs(keys...).Finish(), driver.Idempotent, nullStrings)
}

// MSet sets keys to values, given as key, value, key, value... Safe for
// concurrent use.
func (c *cmds) MSet(kv ...string) *future.Future[struct{}] {
	if len(kv) == 0 || len(kv)%2 != 0 {
		return future.Rejected[struct{}](c.loop, ErrOddArgs)
	}
	return callAs(c, resp.NewCommand(nil).Str("MSET").Strs(kv...).Finish(), 0, ignoreReply)
}
