package redis

import "github.com/eddy-go/eddy/driver"

// readOnly names the commands that only read: a generic Do or Batch
// command among them is marked driver.Idempotent, as the typed helpers
// for them are, so that one written just before its connection dropped
// is sent again on the next connection instead of failing (running it
// twice changes nothing). Blocking reads (XREAD ... BLOCK) are left out:
// sent again, they would wait again.
var readOnly = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, name := range []string{
		"GET", "MGET", "GETRANGE", "STRLEN", "SUBSTR", "LCS",
		"EXISTS", "TYPE", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "DUMP", "TOUCH",
		"KEYS", "SCAN", "RANDOMKEY", "DBSIZE", "OBJECT",
		"HGET", "HMGET", "HGETALL", "HKEYS", "HVALS", "HLEN", "HEXISTS", "HSTRLEN", "HSCAN", "HRANDFIELD",
		"LRANGE", "LLEN", "LINDEX", "LPOS",
		"SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SSCAN", "SRANDMEMBER", "SINTER", "SUNION", "SDIFF", "SINTERCARD",
		"ZRANGE", "ZRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGE", "ZREVRANGEBYSCORE", "ZREVRANGEBYLEX",
		"ZSCORE", "ZMSCORE", "ZCARD", "ZCOUNT", "ZLEXCOUNT", "ZRANK", "ZREVRANK", "ZSCAN", "ZRANDMEMBER",
		"ZINTER", "ZUNION", "ZDIFF", "ZINTERCARD",
		"XRANGE", "XREVRANGE", "XLEN", "XINFO", "XPENDING",
		"BITCOUNT", "BITPOS", "GETBIT", "BITFIELD_RO",
		"PFCOUNT", "GEOPOS", "GEODIST", "GEOHASH", "GEOSEARCH", "GEORADIUS_RO", "GEORADIUSBYMEMBER_RO",
		"PING", "ECHO", "TIME", "LASTSAVE", "INFO",
	} {
		m[name] = struct{}{}
	}
	return m
}()

// readFlags returns driver.Idempotent for a command whose name, the first
// of args, is in readOnly (in any case), and 0 otherwise.
func readFlags(args []any) driver.Flags {
	if len(args) == 0 {
		return 0
	}
	var buf [24]byte
	var name []byte
	switch a := args[0].(type) {
	case string:
		if len(a) > len(buf) {
			return 0
		}
		name = append(buf[:0], a...)
	case []byte:
		if len(a) > len(buf) {
			return 0
		}
		name = append(buf[:0], a...)
	default:
		return 0
	}
	for i, c := range name {
		if 'a' <= c && c <= 'z' {
			name[i] = c - 'a' + 'A'
		}
	}
	if _, ok := readOnly[string(name)]; ok {
		return driver.Idempotent
	}
	return 0
}
