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

// Expire sets key to expire after d (PEXPIRE, in milliseconds). It
// resolves to false if the key does not exist. Safe for concurrent use.
func (c *cmds) Expire(key string, d time.Duration) *future.Future[bool] {
	return callAs(c, resp.NewCommand(nil).Str("PEXPIRE").Str(key).Int(d.Milliseconds()).Finish(), 0, boolReply)
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
