package redis

import (
	"errors"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
)

// A stream of replies with pushes and an error among them.
const codecStream = "+OK\r\n" +
	">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n" +
	"-ERR bad\r\n" +
	"*2\r\n$1\r\na\r\n_\r\n" +
	"%1\r\n+k\r\n:7\r\n" +
	"$5\r\nhello\r\n"

// decodeAll runs the codec over chunks and returns the replies, formatted,
// and the pushes seen.
func decodeAll(t *testing.T, chunks ...[]byte) (out []string, pushes int) {
	t.Helper()
	c := &codec{onPush: func(resp.Value) { pushes++ }}
	for _, ch := range chunks {
		c.Feed(ch)
		for {
			v, err := c.Next(struct{}{})
			if errors.Is(err, driver.ErrNeedMore) {
				break
			}
			if err != nil {
				var re *Error
				if !errors.As(err, &re) {
					t.Fatalf("Next: %v", err)
				}
				out = append(out, "error "+re.Msg)
				continue
			}
			out = append(out, v.String())
		}
	}
	if c.Buffered() != 0 {
		t.Fatalf("%d bytes left", c.Buffered())
	}
	return out, pushes
}

func TestCodecSplitEveryOffset(t *testing.T) {
	whole, pushes := decodeAll(t, []byte(codecStream))
	if len(whole) != 5 || pushes != 1 || whole[1] != "error ERR bad" {
		t.Fatalf("whole stream: %q, %d pushes", whole, pushes)
	}
	for i := range len(codecStream) + 1 {
		// Feed copies: reuse one buffer to catch aliasing.
		buf := []byte(codecStream)
		got, p := decodeAll(t, buf[:i], buf[i:])
		if p != pushes || len(got) != len(whole) {
			t.Fatalf("split at %d: %q", i, got)
		}
		for j := range got {
			if got[j] != whole[j] {
				t.Fatalf("split at %d: reply %d = %q, want %q", i, j, got[j], whole[j])
			}
		}
	}
	var bytewise [][]byte
	for i := range len(codecStream) {
		bytewise = append(bytewise, []byte{codecStream[i]})
	}
	if got, _ := decodeAll(t, bytewise...); len(got) != len(whole) {
		t.Fatalf("byte by byte: %q", got)
	}
}

// Replies outlive the decoder's buffer.
func TestCodecClones(t *testing.T) {
	c := &codec{}
	buf := []byte("$3\r\nabc\r\n")
	c.Feed(buf)
	v, err := c.Next(struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	c.Feed([]byte("$3\r\nxyz\r\n"))
	c.Reset()
	if s, _ := v.Str(); s != "abc" {
		t.Fatalf("reply changed to %q", s)
	}
}

func TestCodecBroken(t *testing.T) {
	c := &codec{}
	c.Feed([]byte("?garbage\r\n"))
	if _, err := c.Next(struct{}{}); !errors.Is(err, driver.ErrBroken) || !errors.Is(err, resp.ErrProtocol) {
		t.Fatalf("Next(garbage) = %v", err)
	}
}
