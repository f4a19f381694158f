package redis_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// TestGenericReadResentAfterDrop writes a GET through Do, and another in
// a Batch, behind a BLPOP that holds the connection, then kills the
// connection: the reads were written and not answered. Being read-only,
// they are sent again on the next connection and answer, as the typed
// Get's would; the BLPOP, which may have run, fails with ErrConnLost.
func TestGenericReadResentAfterDrop(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	admin := dialClient(t, l, srv, redis.Options{}).Sync()
	s := cl.Sync()
	c := ctx(t)
	do(t, s, "SET", "ro:key", "v")
	id, err := do(t, s, "CLIENT", "ID").Int()
	if err != nil {
		t.Fatal(err)
	}
	blocked := cl.Do("BLPOP", "ro:empty", 10)
	get := cl.Do("get", "ro:key")
	var b redis.Batch
	b.Do("GET", "ro:key")
	batch := cl.Exec(&b)
	eventually(t, "the BLPOP blocks the connection", func() bool {
		v, err := admin.Do(c, "CLIENT", "LIST", "ID", id)
		list, _ := v.Str()
		return err == nil && strings.Contains(list, "cmd=blpop")
	})
	do(t, admin, "CLIENT", "KILL", "ID", id)
	if _, err := blocked.Await(c); !errors.Is(err, redis.ErrConnLost) {
		t.Errorf("BLPOP = %v, want ErrConnLost", err)
	}
	if v, err := get.Await(c); str(v) != "v" || err != nil {
		t.Errorf("Do GET = %v, %v; want v", v, err)
	}
	rs, err := batch.Await(c)
	if err != nil || len(rs) != 1 || rs[0].Err != nil || str(rs[0].Value) != "v" {
		t.Errorf("Batch GET = %+v, %v; want v", rs, err)
	}
}

// str is v as a string, or "" if it is none.
func str(v resp.Value) string {
	s, _ := v.Str()
	return s
}
