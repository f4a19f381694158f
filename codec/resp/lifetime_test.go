package resp_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
)

// TestCloneOutlivesDecoder checks that a clone survives the decoder
// reusing its buffer and arena, and that the original does alias them.
func TestCloneOutlivesDecoder(t *testing.T) {
	d := resp.NewDecoder()
	d.Feed([]byte("|1\r\n+a\r\n$1\r\nb\r\n*2\r\n$5\r\nhello\r\n%1\r\n+k\r\n$?\r\n;2\r\nvv\r\n;0\r\n"))
	v, err := d.Next()
	if err != nil {
		t.Fatal(err)
	}
	c := v.Clone()
	want := resp.ArrayOf(bs("hello"), resp.MapOf(ss("k"), bs("vv"))).WithAttrs(ss("a"), bs("b"))
	if !c.Equal(want) || !v.Equal(want) {
		t.Fatalf("got %v", c)
	}
	// Overwrite everything the decoder owns with a reply of the same shape.
	d.Feed([]byte("|1\r\n+X\r\n$1\r\nY\r\n*2\r\n$5\r\nZZZZZ\r\n%1\r\n+Q\r\n$?\r\n;2\r\nWW\r\n;0\r\n"))
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	if !c.Equal(want) {
		t.Fatalf("clone changed to %v", c)
	}
	if v.Equal(want) {
		t.Fatalf("the original did not alias the decoder: the test proves nothing")
	}
}

// TestPartialReplySurvivesGrowth feeds a reply in small pieces, so that the
// buffer grows while finished elements point into the old one.
func TestPartialReplySurvivesGrowth(t *testing.T) {
	var want []resp.Value
	var wire []byte
	wire = append(wire, "*300\r\n"...)
	for i := range 300 {
		s := strings.Repeat(string(rune('a'+i%26)), i%50)
		want = append(want, bs(s))
		wire = resp.AppendBulkString(wire, s)
	}
	for _, step := range []int{1, 3, 64, 1000} {
		d := resp.NewDecoder()
		var got resp.Value
		for i := 0; i < len(wire); i += step {
			d.Feed(wire[i:min(i+step, len(wire))])
			v, err := d.Next()
			if err == resp.ErrNeedMore {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			got = v
		}
		if !got.Equal(resp.ArrayOf(want...)) {
			t.Fatalf("step %d: got %d elements", step, got.Len())
		}
	}
}

func TestBuffered(t *testing.T) {
	d := resp.NewDecoder()
	d.Feed([]byte("+OK\r\n*2\r\n:1\r\n"))
	if d.Buffered() != 13 {
		t.Fatalf("Buffered = %d", d.Buffered())
	}
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(); err != resp.ErrNeedMore {
		t.Fatal(err)
	}
	// The header and first element are parsed; nothing is left unparsed,
	// but the reply is unfinished.
	if d.Buffered() != 0 || d.EOF() != resp.ErrUnexpectedEOF {
		t.Fatalf("Buffered = %d, EOF = %v", d.Buffered(), d.EOF())
	}
	d.Feed([]byte(":2\r\n"))
	if v, err := d.Next(); err != nil || !v.Equal(resp.ArrayOf(num(1), num(2))) {
		t.Fatalf("%v %v", v, err)
	}
	if d.EOF() != nil {
		t.Fatalf("EOF = %v", d.EOF())
	}
}

// TestNoAllocs checks the zero-allocation promise for typical replies once
// the decoder is warm.
func TestNoAllocs(t *testing.T) {
	d := resp.NewDecoder()
	for _, in := range [][]byte{benchOK, benchInt, benchBulk, benchArray, benchNested} {
		allocs := testing.AllocsPerRun(100, func() {
			d.Feed(in)
			if _, err := d.Next(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%q: %v allocations", in, allocs)
		}
	}
}

// TestLargeThenSmall decodes replies larger than what the decoder keeps
// between replies (a 2 MiB streamed string, a 20000-element array), then
// small ones.
func TestLargeThenSmall(t *testing.T) {
	d := resp.NewDecoder()
	big := strings.Repeat("x", 2<<20)
	var wire []byte
	wire = append(wire, "$?\r\n"...)
	wire = append(wire, ";"+strconv.Itoa(len(big))+"\r\n"+big+"\r\n;0\r\n"...)
	wire = append(wire, "*20000\r\n"...)
	for range 20000 {
		wire = append(wire, ":7\r\n"...)
	}
	d.Feed(wire)
	if v, err := d.Next(); err != nil || v.Len() != 0 {
		t.Fatalf("streamed string: %v", err)
	} else if b, _ := v.Bytes(); len(b) != len(big) {
		t.Fatalf("streamed string of %d bytes", len(b))
	}
	if v, err := d.Next(); err != nil || v.Len() != 20000 {
		t.Fatalf("array: %d, %v", v.Len(), err)
	}
	for range 3 {
		d.Feed([]byte("*1\r\n$?\r\n;1\r\na\r\n;0\r\n"))
		if v, err := d.Next(); err != nil || !v.Equal(resp.ArrayOf(bs("a"))) {
			t.Fatalf("small reply after large ones: %v, %v", v, err)
		}
	}
}
