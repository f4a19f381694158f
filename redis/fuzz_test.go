package redis

import (
	"errors"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
)

// FuzzReplies feeds arbitrary bytes to the driver's codec and every reply
// to the helpers' conversions (XREAD, WITHSCORES, SCAN pages, maps...) and
// to the subscriber's message handling:
// none may panic, and decoding must not depend on how the input is split.
func FuzzReplies(f *testing.F) {
	f.Add([]byte(codecStream))
	f.Add([]byte("*1\r\n*2\r\n$2\r\nst\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"))
	f.Add([]byte("%1\r\n$2\r\nst\r\n*1\r\n*2\r\n$3\r\n1-1\r\n_\r\n"))
	f.Add([]byte("*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"))
	f.Add([]byte("*2\r\n*2\r\n$1\r\na\r\n,1.5\r\n*2\r\n$1\r\nb\r\n,inf\r\n"))
	f.Add([]byte("*4\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$4\r\n-inf\r\n"))
	f.Add([]byte("*3\r\n$1\r\na\r\n$-1\r\n:3\r\n"))
	f.Add([]byte(">4\r\n$8\r\npmessage\r\n$1\r\np\r\n$1\r\nc\r\n$1\r\nm\r\n"))
	f.Add([]byte("*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n"))
	f.Add([]byte("-NOPERM this user has no permissions to access one of the channels used as arguments\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		whole := runCodec(data, len(data))
		half := runCodec(data, len(data)/2)
		if len(whole) != len(half) {
			t.Fatalf("split changed the replies: %q vs %q", whole, half)
		}
		for i := range whole {
			if whole[i] != half[i] {
				t.Fatalf("split changed reply %d: %q vs %q", i, whole[i], half[i])
			}
		}
	})
}

// runCodec decodes data fed in two parts and converts every reply.
func runCodec(data []byte, cut int) []string {
	c := &codec{onPush: func(v resp.Value) { convertAll(v) }}
	var out []string
	for _, part := range [][]byte{data[:cut], data[cut:]} {
		c.Feed(part)
		for {
			v, err := c.Next(struct{}{})
			if errors.Is(err, driver.ErrNeedMore) {
				break
			}
			if errors.Is(err, driver.ErrBroken) {
				return append(out, "broken")
			}
			if err != nil {
				out = append(out, err.Error())
				continue
			}
			convertAll(v)
			out = append(out, v.String())
		}
	}
	return out
}

func convertAll(v resp.Value) {
	// The subscriber's message handling, on a PubSub with no connection.
	ps := &PubSub{handler: func(Message) {}, ready: true}
	ps.subs[subChannel] = map[string]bool{"a": true}
	ps.waiting = []*subWait{{n: 1, sub: true, names: []string{"a"}}, {n: 0}}
	if err := ps.onValue(v); err != nil {
		panic(err) // only the handshake returns errors
	}
	strReply(v)
	intReply(v)
	floatReply(v)
	boolReply(v)
	setReply(v)
	strSlice(v)
	nullStrings(v)
	stringMap(v)
	parseZ(v)
	scanPage(v)
	parseXRead(v)
	parseXMessages(v)
}
