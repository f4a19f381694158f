package redis_test

import (
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

func TestMultiExec(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	c := ctx(t)
	tx := cl.Multi()
	tx.Queue("SET", "a", "1")
	tx.Queue("INCR", "a")
	tx.Queue("LPUSH", "a", "x") // WRONGTYPE at run time: its own element
	got := must[[]resp.Value](t)(tx.Exec().Await(c))
	eq(t, "replies", len(got), 3)
	eq(t, "INCR", must[int64](t)(got[1].Int()), 2)
	var re *redis.Error
	if !errors.As(got[2].Err(), &re) || re.Code != "WRONGTYPE" {
		t.Fatalf("third reply = %v", got[2])
	}
	// A command refused while queueing aborts the whole transaction.
	tx = cl.Multi()
	tx.Queue("SET", "b", "1")
	tx.Queue("NOSUCHCOMMAND")
	if _, err := tx.Exec().Await(c); !errors.As(err, &re) || re.Code != "EXECABORT" {
		t.Fatalf("Exec with a bad command = %v", err)
	}
	if _, err := cl.Sync().Get(c, "b"); !errors.Is(err, redis.Nil) {
		t.Fatalf("aborted transaction ran: %v", err)
	}
	tx = cl.Multi()
	tx.Queue("SET", struct{}{})
	if _, err := tx.Exec().Await(c); !errors.Is(err, redis.ErrArgType) {
		t.Fatalf("Exec with a bad argument = %v", err)
	}
}

func TestWatchConflict(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	s := cl.Sync()
	c := ctx(t)
	ok(t, errOf(s.Set(c, "balance", "10", redis.SetOptions{})))

	// Without interference, the transaction runs.
	tx := must[*redis.Tx](t)(cl.Watch("balance").Await(c))
	cur := must[int64](t)(must[resp.Value](t)(tx.Do("GET", "balance").Await(c)).Int())
	tx.Queue("SET", "balance", cur+5)
	must[[]resp.Value](t)(tx.Exec().Await(c))
	eq(t, "balance", must[string](t)(s.Get(c, "balance")), "15")

	// A write by another connection between WATCH and EXEC aborts it.
	tx = must[*redis.Tx](t)(cl.Watch("balance").Await(c))
	must[resp.Value](t)(tx.Do("GET", "balance").Await(c))
	ok(t, errOf(s.Set(c, "balance", "100", redis.SetOptions{})))
	tx.Queue("SET", "balance", 0)
	if _, err := tx.Exec().Await(c); !errors.Is(err, redis.ErrTxAborted) {
		t.Fatalf("Exec after a conflict = %v, want ErrTxAborted", err)
	}
	eq(t, "balance kept", must[string](t)(s.Get(c, "balance")), "100")

	tx = must[*redis.Tx](t)(cl.Watch("balance").Await(c))
	tx.Discard()
}

// A WATCH lives on its connection: if that connection drops, EXEC must
// not run on a new one, where nothing is watched any more.
func TestWatchConnLostNotReplayed(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	var dropped atomic.Bool
	cl := dialClient(t, l, srv, redis.Options{OnState: func(_ driver.State, err error) {
		if err != nil { // only the transaction's connection drops
			dropped.Store(true)
		}
	}})
	s := cl.Sync()
	c := ctx(t)
	ok(t, errOf(s.Set(c, "balance", "10", redis.SetOptions{})))
	tx := must[*redis.Tx](t)(cl.Watch("balance").Await(c))
	id := must[int64](t)(must[resp.Value](t)(tx.Do("CLIENT", "ID").Await(c)).Int())
	do(t, s, "CLIENT", "KILL", "ID", id)
	eventually(t, "the transaction's connection noticed the kill", dropped.Load)
	ok(t, errOf(s.Set(c, "balance", "100", redis.SetOptions{})))
	tx.Queue("SET", "balance", 0)
	if _, err := tx.Exec().Await(c); !errors.Is(err, redis.ErrConnLost) {
		t.Fatalf("Exec after the watching connection dropped = %v, want ErrConnLost", err)
	}
	eq(t, "balance kept", must[string](t)(s.Get(c, "balance")), "100")
}

// A Watch cancelled before it resolves closes the connection it opened:
// the caller never gets the Tx, so it could not Discard it.
func TestWatchCancelledClosesConn(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	var ready, closed atomic.Int32
	cl := dialClient(t, l, srv, redis.Options{OnState: func(s driver.State, _ error) {
		switch s {
		case driver.StateReady:
			ready.Add(1)
		case driver.StateClosed:
			closed.Add(1)
		}
	}})
	s := cl.Sync()
	c := ctx(t)
	clients := func() int {
		return strings.Count(must[string](t)(do(t, s, "CLIENT", "LIST").Str()), "\n")
	}
	base := clients()
	got := make(chan *future.Future[*redis.Tx], 1)
	ok(t, l.Post(func() {
		w := cl.Watch("k")
		w.Cancel(errors.New("gave up"))
		got <- w
	}))
	if _, err := (<-got).Await(c); !errors.Is(err, future.ErrCanceled) {
		t.Fatalf("cancelled Watch = %v", err)
	}
	eventually(t, "the transaction's connection settled", func() bool {
		return ready.Load() >= 2 || closed.Load() >= 1
	})
	eventually(t, "the transaction's connection closed", func() bool { return clients() == base })
}

// A Tx's connection that dropped is closed for good, without a single new
// attempt: it does not dial again, neither at once nor until Exec or
// Discard (or for ever, for a Tx nobody ends), and the commands issued on
// the Tx after the drop fail at once without a connection.
func TestTxConnLostStaysClosed(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	var closed atomic.Int32
	cl := dialClient(t, l, srv, redis.Options{OnState: func(s driver.State, _ error) {
		if s == driver.StateClosed {
			closed.Add(1)
		}
	}})
	s := cl.Sync()
	c := ctx(t)
	conns := func() int64 {
		info := must[string](t)(do(t, s, "INFO", "stats").Str())
		for _, line := range strings.Split(info, "\n") {
			if v, found := strings.CutPrefix(line, "total_connections_received:"); found {
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				ok(t, err)
				return n
			}
		}
		t.Fatal("no total_connections_received in INFO stats")
		return 0
	}
	tx := must[*redis.Tx](t)(cl.Watch("k").Await(c))
	id := must[int64](t)(must[resp.Value](t)(tx.Do("CLIENT", "ID").Await(c)).Int())
	before := conns()
	do(t, s, "CLIENT", "KILL", "ID", id)
	eventually(t, "the transaction's connection closed after the drop", func() bool { return closed.Load() >= 1 })
	if n := conns() - before; n != 0 {
		t.Fatalf("%d connections made after the drop, want 0", n)
	}
	after := conns()
	if _, err := tx.Do("PING").Await(c); !errors.Is(err, redis.ErrConnLost) {
		t.Fatalf("Do after the drop = %v, want ErrConnLost", err)
	}
	tx.Queue("SET", "k", "v")
	if _, err := tx.Exec().Await(c); !errors.Is(err, redis.ErrConnLost) {
		t.Fatalf("Exec after the drop = %v, want ErrConnLost", err)
	}
	eq(t, "connections made by commands after the drop", conns()-after, 0)
	if _, err := s.Get(c, "k"); !errors.Is(err, redis.Nil) {
		t.Fatalf("the lost transaction ran: %v", err)
	}
}
