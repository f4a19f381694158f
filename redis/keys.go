package redis

import (
	"time"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// NoExpiry is what TTL returns for a key without an expiry.
const NoExpiry time.Duration = -1

// Del deletes keys and returns how many existed. Safe for concurrent use.
func (c *cmds) Del(keys ...string) *future.Future[int64] {
	return callAs(c, resp.NewCommand(nil).Str("DEL").Strs(keys...).Finish(), 0, intReply)
}

// Exists returns how many of keys exist (a key named twice counts twice).
// Safe for concurrent use.
func (c *cmds) Exists(keys ...string) *future.Future[int64] {
	return callAs(c, resp.NewCommand(nil).Str("EXISTS").Strs(keys...).Finish(), driver.Idempotent, intReply)
}

// Expire sets key to expire after d (PEXPIRE, in milliseconds; a
// positive d below 1 ms counts as 1 ms). It resolves to false if the key
// does not exist. Safe for concurrent use.
func (c *cmds) Expire(key string, d time.Duration) *future.Future[bool] {
	return callAs(c, resp.NewCommand(nil).Str("PEXPIRE").Str(key).Int(millis(d)).Finish(), 0, boolReply)
}

// millis returns d in whole milliseconds, rounding a positive d below 1 ms
// up to 1 ms: truncated to 0, an expiry would delete the key at once (or
// be refused, for SET PX) instead of letting it live a little.
func millis(d time.Duration) int64 {
	if d > 0 && d < time.Millisecond {
		return 1
	}
	return d.Milliseconds()
}

// Persist removes the expiry of key; false if it had none or is missing.
// Safe for concurrent use.
func (c *cmds) Persist(key string) *future.Future[bool] {
	return callAs(c, resp.AppendCommand(nil, "PERSIST", key), 0, boolReply)
}

// TTL returns the time key has left to live (PTTL), NoExpiry if it has no
// expiry, and fails with Nil if it does not exist. Safe for concurrent
// use.
func (c *cmds) TTL(key string) *future.Future[time.Duration] {
	return future.Then(c.read(resp.AppendCommand(nil, "PTTL", key)), func(v resp.Value) (time.Duration, error) {
		n, err := v.Int()
		switch {
		case err != nil:
			return 0, err
		case n == -2:
			return 0, Nil
		case n == -1:
			return NoExpiry, nil
		}
		return time.Duration(n) * time.Millisecond, nil
	})
}

// Type returns the type of the value at key ("string", "list", ...,
// "none" if missing). Safe for concurrent use.
func (c *cmds) Type(key string) *future.Future[string] {
	return callAs(c, resp.AppendCommand(nil, "TYPE", key), driver.Idempotent, strReply)
}

// Rename renames key to newKey. Safe for concurrent use.
func (c *cmds) Rename(key, newKey string) *future.Future[struct{}] {
	return callAs(c, resp.AppendCommand(nil, "RENAME", key, newKey), 0, ignoreReply)
}

// Ping checks the connection. It is sent again after a reconnect. Safe for
// concurrent use.
func (c *cmds) Ping() *future.Future[struct{}] {
	return callAs(c, resp.AppendCommand(nil, "PING"), driver.Idempotent, ignoreReply)
}
