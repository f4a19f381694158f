package resp_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
)

func TestAppendCommand(t *testing.T) {
	got := string(resp.AppendCommand([]byte("prefix"), "SET", "key", ""))
	want := "prefix*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := string(resp.AppendCommand(nil)); got != "*0\r\n" {
		t.Fatalf("no args: %q", got)
	}
	got = string(resp.AppendArgs(nil, [][]byte{[]byte("GET"), []byte("a\r\nb"), nil}))
	want = "*3\r\n$3\r\nGET\r\n$4\r\na\r\nb\r\n$0\r\n\r\n"
	if got != want {
		t.Fatalf("AppendArgs: got %q, want %q", got, want)
	}
}

func TestCommandBuilder(t *testing.T) {
	key := []byte("k")
	got := string(resp.NewCommand([]byte("x")).Str("SET").Bytes(key).Int(-10).Uint(math.MaxUint64).
		Float(1.5).Float(math.Inf(-1)).Strs("a", "b").Finish())
	want := "x*8\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n-10\r\n$20\r\n18446744073709551615\r\n" +
		"$3\r\n1.5\r\n$4\r\n-inf\r\n$1\r\na\r\n$1\r\nb\r\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}

	var zero resp.Command
	if got := zero.Finish(); len(got) != 0 {
		t.Fatalf("empty command wrote %q", got)
	}
	zero.Str("PING")
	if zero.Len() != 1 {
		t.Fatalf("Len = %d", zero.Len())
	}
	if got := string(zero.Finish()); got != "*1\r\n$4\r\nPING\r\n" {
		t.Fatalf("zero Command: %q", got)
	}
}

// TestCommandManyArgs checks the header rewrite for 10 and more arguments,
// against AppendCommand, and a pipeline built by one Command.
func TestCommandManyArgs(t *testing.T) {
	for _, n := range []int{1, 9, 10, 11, 99, 100, 1000} {
		args := make([]string, n)
		for i := range args {
			args[i] = strconv.Itoa(i)
		}
		want := resp.AppendCommand([]byte("pre"), args...)
		var cmd resp.Command
		cmd.Str("pre")        // a first command...
		first := cmd.Finish() // ...finished,
		cmd.Strs(args...)     // then the next one
		got := cmd.Finish()
		wantAll := resp.AppendCommand(nil, "pre")
		wantAll = append(wantAll, want[3:]...)
		if string(got) != string(wantAll) {
			t.Fatalf("n=%d: got %q\nwant %q", n, got, wantAll)
		}
		if string(first) != "*1\r\n$3\r\npre\r\n" {
			t.Fatalf("first command %q", first)
		}
		// And the result decodes to the arguments.
		var d resp.Decoder
		_, used, err := d.Decode(got)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := d.Decode(got[used:])
		if err != nil || v.Len() != n {
			t.Fatalf("n=%d: decoded %d elements, %v", n, v.Len(), err)
		}
		if s, _ := v.Elems()[n-1].Str(); s != strconv.Itoa(n-1) {
			t.Fatalf("last argument %q", s)
		}
	}
}

func TestCommandFloat(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{{0, "0"}, {-2.5, "-2.5"}, {1e21, "1e+21"}, {math.Inf(1), "inf"}, {math.NaN(), "nan"}, {0.1, "0.1"}} {
		got := string(resp.NewCommand(nil).Float(c.f).Finish())
		if !strings.HasSuffix(got, "\r\n"+c.want+"\r\n") {
			t.Errorf("Float(%v) = %q, want arg %q", c.f, got, c.want)
		}
	}
}

func TestCommandAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	key := []byte("key")
	n := testing.AllocsPerRun(100, func() {
		buf = resp.NewCommand(buf[:0]).Str("SET").Bytes(key).Int(42).Float(2.5).Finish()
		buf = resp.AppendCommand(buf, "GET", "key")
	})
	if n != 0 {
		t.Fatalf("%v allocations per command", n)
	}
}
