package redis_test

import (
	"testing"
	"time"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// An expiry below 1 ms is sent as 1 ms, not truncated to 0: PEXPIRE k 0
// deletes the key at once, and SET PX 0 is refused. The server's slow log
// (set to record every command) shows what each helper sent; inside
// MULTI/EXEC, where the server's clock stands still, a key given 500 µs is
// still there.
func TestExpireBelowMillisecond(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	s := cl.Sync()
	c := ctx(t)
	const d = 500 * time.Microsecond

	do(t, s, "CONFIG", "SET", "slowlog-log-slower-than", "0")
	do(t, s, "SLOWLOG", "RESET")
	ok(t, errOf(s.Set(c, "a", "v", redis.SetOptions{})))
	eq(t, "Expire", must[bool](t)(s.Expire(c, "a", d)), true)
	eq(t, "Set with TTL", must[bool](t)(s.Set(c, "b", "v", redis.SetOptions{TTL: d})), true)
	do(t, s, "SET", "c", "v", "PX", d)
	do(t, s, "CONFIG", "SET", "slowlog-log-slower-than", "-1")
	sent := map[string]string{} // command name: its expiry argument
	for _, e := range do(t, s, "SLOWLOG", "GET", "-1").Elems() {
		var args []string
		for _, a := range e.Elems()[3].Elems() {
			args = append(args, must[string](t)(a.Str()))
		}
		switch args[0] {
		case "PEXPIRE":
			sent["Expire"] = args[2]
		case "SET":
			if len(args) == 5 {
				sent["SET "+args[1]] = args[4]
			}
		}
	}
	eq(t, "Expire's milliseconds", sent["Expire"], "1")
	eq(t, "Set's PX", sent["SET b"], "1")
	eq(t, "Do's PX for a Duration", sent["SET c"], "1")

	tx := cl.Multi()
	tx.Queue("SET", "k", "v")
	tx.Queue("PEXPIRE", "k", d)
	tx.Queue("EXISTS", "k")
	got := must[[]resp.Value](t)(tx.Exec().Await(c))
	eq(t, "EXISTS right after PEXPIRE of 500µs", must[int64](t)(got[2].Int()), 1)
}
