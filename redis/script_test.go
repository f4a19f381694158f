package redis_test

import (
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

func TestScriptNoScriptFallback(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	s := dialClient(t, l, srv, redis.Options{}).Sync()
	c := ctx(t)
	sc := redis.NewScript(`return redis.call("INCRBY", KEYS[1], ARGV[1])`)
	// The server does not know the script: EVALSHA fails, EVAL runs it.
	v := must[resp.Value](t)(s.Run(c, sc, []string{"n"}, 5))
	eq(t, "first run", must[int64](t)(v.Int()), 5)
	loaded := must[resp.Value](t)(s.Do(c, "SCRIPT", "EXISTS", sc.Hash()))
	eq(t, "cached after EVAL", loaded.Elems()[0].String(), resp.Integer(1).String())
	eq(t, "second run", must[int64](t)(must[resp.Value](t)(s.Run(c, sc, []string{"n"}, 2)).Int()), 7)
	do(t, s, "SCRIPT", "FLUSH")
	eq(t, "after flush", must[int64](t)(must[resp.Value](t)(s.Run(c, sc, []string{"n"}, 1)).Int()), 8)
	sha := must[string](t)(do(t, s, "SCRIPT", "LOAD", `return redis.call("INCRBY", KEYS[1], ARGV[1])`).Str())
	eq(t, "Hash", sc.Hash(), sha)
	// A script error is the server's error, not a fallback loop.
	bad := redis.NewScript(`return redis.call("NOPE")`)
	if _, err := s.Run(c, bad, nil); err == nil {
		t.Fatal("failing script succeeded")
	}
	if _, err := s.Run(c, sc, []string{"n"}, struct{}{}); err == nil {
		t.Fatal("bad argument accepted")
	}
	eq(t, "Eval", must[string](t)(must[resp.Value](t)(s.Eval(c, `return ARGV[1]`, nil, "hi")).Str()), "hi")
}
