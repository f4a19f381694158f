package redis

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/future"
)

// Script is a Lua script run with EVALSHA, falling back to EVAL (which
// also loads it into the server's script cache) when the server does not
// know it (NOSCRIPT), as after a restart or SCRIPT FLUSH. Its SHA1 is
// computed once. A Script is immutable and safe for concurrent use.
type Script struct {
	src, sha string
}

// NewScript returns the Script for the Lua source src.
func NewScript(src string) *Script {
	sum := sha1.Sum([]byte(src))
	return &Script{src: src, sha: hex.EncodeToString(sum[:])}
}

// Hash returns the script's SHA1, in hex, as EVALSHA wants it.
func (s *Script) Hash() string { return s.sha }

// Run runs the script on a Client or ClusterClient with keys (KEYS) and
// args (ARGV, encoded as Do encodes arguments) and returns its reply. In a
// cluster, keys must hash to one slot. Safe for concurrent use.
func (s *Script) Run(on Commander, keys []string, args ...any) *future.Future[resp.Value] {
	c := on.commands()
	sha, err := s.command("EVALSHA", s.sha, keys, args)
	if err != nil {
		return future.Rejected[resp.Value](c.loop, err)
	}
	return c.call(sha, 0).CatchFuture(func(err error) *future.Future[resp.Value] {
		var re *Error
		if !errors.As(err, &re) || re.Code != "NOSCRIPT" {
			return future.Rejected[resp.Value](c.loop, err)
		}
		eval, _ := s.command("EVAL", s.src, keys, args)
		return c.call(eval, 0)
	})
}

// command encodes EVAL or EVALSHA.
func (s *Script) command(name, body string, keys []string, args []any) ([]byte, error) {
	all := make([]any, 0, 3+len(keys)+len(args))
	all = append(all, name, body, len(keys))
	for _, k := range keys {
		all = append(all, k)
	}
	return appendArgs(nil, append(all, args...))
}

// Eval runs the Lua source src with EVAL. Prefer a Script, which sends
// only the hash once the server knows it. Safe for concurrent use.
func (c *cmds) Eval(src string, keys []string, args ...any) *future.Future[resp.Value] {
	cmd, err := (&Script{}).command("EVAL", src, keys, args)
	if err != nil {
		return future.Rejected[resp.Value](c.loop, err)
	}
	return c.call(cmd, 0)
}
