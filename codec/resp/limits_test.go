package resp_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
)

func TestLimits(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  []resp.Option
		ok    string // within the limit
		over  string // beyond it
		limit string // LimitError.Limit
		value int64  // LimitError.Value
	}{
		{"bulk", []resp.Option{resp.MaxBulkLen(3)}, "$3\r\nabc\r\n", "$4\r\nabcd\r\n", "bulk length", 4},
		{"bulk error", []resp.Option{resp.MaxBulkLen(3)}, "!3\r\nERR\r\n", "!4\r\nERRX\r\n", "bulk length", 4},
		{"verbatim", []resp.Option{resp.MaxBulkLen(4)}, "=4\r\ntxt:\r\n", "=5\r\ntxt:a\r\n", "bulk length", 5},
		{"streamed string", []resp.Option{resp.MaxBulkLen(3)}, "$?\r\n;2\r\nab\r\n;1\r\nc\r\n;0\r\n",
			"$?\r\n;2\r\nab\r\n;2\r\ncd\r\n;0\r\n", "bulk length", 4},
		{"array", []resp.Option{resp.MaxElements(2)}, "*2\r\n:1\r\n:2\r\n", "*3\r\n:1\r\n:2\r\n:3\r\n", "elements", 3},
		{"map counts keys and values", []resp.Option{resp.MaxElements(4)}, "%2\r\n:1\r\n:2\r\n:3\r\n:4\r\n",
			"%3\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n", "elements", 3},
		{"streamed array", []resp.Option{resp.MaxElements(2)}, "*?\r\n:1\r\n:2\r\n.\r\n", "*?\r\n:1\r\n:2\r\n:3\r\n.\r\n", "elements", 3},
		{"depth", []resp.Option{resp.MaxDepth(2)}, "*1\r\n*1\r\n:1\r\n", "*1\r\n*1\r\n*1\r\n:1\r\n", "depth", 3},
		{"empty aggregate depth", []resp.Option{resp.MaxDepth(1)}, "*1\r\n:1\r\n", "*1\r\n*0\r\n", "depth", 2},
		{"attribute depth", []resp.Option{resp.MaxDepth(1)}, "|1\r\n+a\r\n+b\r\n+c\r\n", "*1\r\n|1\r\n+a\r\n+b\r\n+c\r\n", "depth", 2},
		{"line", []resp.Option{resp.MaxLineLen(40)}, "+" + strings.Repeat("a", 40) + "\r\n", "+" + strings.Repeat("a", 41) + "\r\n", "line length", 41},
		{"unterminated line", []resp.Option{resp.MaxLineLen(40)}, "+" + strings.Repeat("a", 40), "+" + strings.Repeat("a", 41), "line length", 41},
	} {
		t.Run(c.name, func(t *testing.T) {
			vals, err := drain(resp.NewDecoder(c.opts...), []byte(c.ok))
			if err != resp.ErrNeedMore || len(vals) > 1 {
				t.Fatalf("within the limit: %v, %v", vals, err)
			}
			in := []byte(c.over)
			for i := 0; i <= len(in); i++ {
				_, err = drain(resp.NewDecoder(c.opts...), in[:i], in[i:])
				var le *resp.LimitError
				if !errors.As(err, &le) || !errors.Is(err, resp.ErrLimit) || le.Limit != c.limit || le.Value != c.value {
					t.Fatalf("split at %d: err = %v, want %s limit at %d", i, err, c.limit, c.value)
				}
			}
		})
	}
}

func TestDefaultLimits(t *testing.T) {
	// A zero Decoder and NewDecoder() share the defaults: 512 MiB bulk strings.
	var zero resp.Decoder
	for _, d := range []*resp.Decoder{&zero, resp.NewDecoder(resp.MaxBulkLen(-1))} {
		_, _, err := d.Decode([]byte("$536870912\r\n"))
		if err != resp.ErrNeedMore {
			t.Fatalf("512 MiB bulk: %v", err)
		}
		_, _, err = d.Decode([]byte("$536870913\r\n"))
		var le *resp.LimitError
		if !errors.As(err, &le) || le.Max != resp.DefaultMaxBulkLen {
			t.Fatalf("512 MiB + 1 bulk: %v", err)
		}
		if le.Error() != "resp: bulk length 536870913 exceeds limit 536870912 at offset 0" {
			t.Fatalf("Error() = %q", le.Error())
		}
	}
	// Nesting up to the default depth works, one more level does not.
	deep := strings.Repeat("*1\r\n", resp.DefaultMaxDepth) + ":1\r\n"
	if _, _, err := zero.Decode([]byte(deep)); err != nil {
		t.Fatalf("depth %d: %v", resp.DefaultMaxDepth, err)
	}
	if _, _, err := zero.Decode([]byte("*1\r\n" + deep)); !errors.Is(err, resp.ErrLimit) {
		t.Fatalf("depth %d: %v", resp.DefaultMaxDepth+1, err)
	}
}

// TestDeepNestingIsIterative checks that a deep reply cannot exhaust the
// stack: the decoder keeps its own stack.
func TestDeepNestingIsIterative(t *testing.T) {
	const depth = 100000
	d := resp.NewDecoder(resp.MaxDepth(depth))
	v, _, err := d.Decode([]byte(strings.Repeat("*1\r\n", depth) + "_\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for v.Len() == 1 {
		v = v.Elems()[0]
		n++
	}
	if n != depth || !v.IsNull() {
		t.Fatalf("depth %d, innermost %v", n, v)
	}
}

// TestDeclaredCountsAllocateNothing checks that a peer claiming a huge
// aggregate gets no memory for it up front.
func TestDeclaredCountsAllocateNothing(t *testing.T) {
	d := resp.NewDecoder()
	in := []byte("*1000000000\r\n:1\r\n")
	allocs := testing.AllocsPerRun(10, func() {
		d.Reset()
		d.Feed(in)
		if _, err := d.Next(); err != resp.ErrNeedMore {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Fatalf("%v allocations for a claimed 1e9-element array", allocs)
	}
}
