package redis_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

func TestScanFamily(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	s := cl.Sync()
	c := ctx(t)
	var want []string
	for i := range 300 {
		k := fmt.Sprintf("key:%03d", i)
		want = append(want, k)
		ok(t, errOf(s.Set(c, k, "v", redis.SetOptions{})))
	}
	ok(t, errOf(s.HSet(c, "other", "f", "v")))
	collect := func(sc *redis.Scanner) []string {
		t.Helper()
		seen := map[string]bool{}
		var out []string
		for e, err := range sc.All(c) {
			ok(t, err)
			if !seen[e] {
				seen[e] = true
				out = append(out, e)
			}
		}
		if !sc.Done() {
			t.Fatal("scanner not done after All")
		}
		slices.Sort(out)
		return out
	}
	if got := collect(cl.Scan(redis.ScanOptions{Match: "key:*", Count: 10})); !slices.Equal(got, want) {
		t.Fatalf("Scan found %d keys, want %d", len(got), len(want))
	}
	if got := collect(cl.Scan(redis.ScanOptions{Type: "hash"})); !slices.Equal(got, []string{"other"}) {
		t.Fatalf("Scan TYPE hash = %v", got)
	}
	// Paging with futures: each page is one round trip.
	sc := cl.Scan(redis.ScanOptions{Count: 50})
	pages, n := 0, 0
	for !sc.Done() {
		page := must[[]string](t)(sc.Next().Await(c))
		pages++
		n += len(page)
	}
	if pages < 2 || n < 301 {
		t.Fatalf("paged %d pages, %d keys", pages, n)
	}
	eq(t, "Next after done", len(must[[]string](t)(sc.Next().Await(c))), 0)

	for i := range 200 {
		ok(t, errOf(s.HSet(c, "h", fmt.Sprint("f", i), fmt.Sprint(i))))
		ok(t, errOf(s.SAdd(c, "s", fmt.Sprint("m", i))))
		ok(t, errOf(s.ZAdd(c, "z", redis.Z{Member: fmt.Sprint("m", i), Score: float64(i)})))
	}
	eq(t, "HScan", len(collect(cl.HScan("h", redis.ScanOptions{Count: 20}))), 400)
	eq(t, "SScan", len(collect(cl.SScan("s", redis.ScanOptions{Count: 20}))), 200)
	eq(t, "SScan MATCH", len(collect(cl.SScan("s", redis.ScanOptions{Match: "m1?"}))), 10)
	z := collect(cl.ZScan("z", redis.ScanOptions{Count: 20}))
	eq(t, "ZScan", len(z), 400) // members and scores (as strings)
	// Stopping early.
	n = 0
	for range cl.Scan(redis.ScanOptions{}).All(c) {
		n++
		if n == 3 {
			break
		}
	}
	eq(t, "early stop", n, 3)
}

// The empty string is a valid key: HSCAN, SSCAN and ZSCAN must still send
// it, or the cursor would be taken for the key.
func TestScanEmptyKey(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	s := cl.Sync()
	c := ctx(t)
	ok(t, errOf(s.HSet(c, "", "f", "v")))
	var got []string
	for e, err := range cl.HScan("", redis.ScanOptions{}).All(c) {
		ok(t, err)
		got = append(got, e)
	}
	if !slices.Equal(got, []string{"f", "v"}) {
		t.Fatalf(`HScan("") = %q, want [f v]`, got)
	}
}
