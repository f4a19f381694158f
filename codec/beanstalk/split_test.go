package beanstalk

import (
	"errors"
	"testing"
)

// TestDecoderSplitEveryOffset feeds each reply in two parts, split at every
// byte offset, and in single bytes. A prefix of a valid reply must give
// ErrNeedMore; the whole must give the same result as an unsplit feed.
func TestDecoderSplitEveryOffset(t *testing.T) {
	for _, c := range decodeCases() {
		for i := 0; i <= len(c.in); i++ {
			var d Decoder
			d.Feed([]byte(c.in[:i]))
			got, err := d.Next(c.kind)
			if err == ErrNeedMore {
				d.Feed([]byte(c.in[i:]))
				got, err = d.Next(c.kind)
			} else if c.cause == nil && i < len(c.in) {
				t.Fatalf("%s split at %d: prefix gave %v, want ErrNeedMore", c.name, i, err)
			}
			checkReply(t, c, got, err)
		}
		var d Decoder
		var got Reply
		err := ErrNeedMore
		for i := 0; i < len(c.in) && err == ErrNeedMore; i++ {
			d.Feed([]byte{c.in[i]})
			got, err = d.Next(c.kind)
		}
		checkReply(t, c, got, err)
	}
}

// TestDecoderPipelineSplitEveryOffset decodes a stream of many pipelined
// replies fed in two parts, split at every offset.
func TestDecoderPipelineSplitEveryOffset(t *testing.T) {
	var cases []decCase
	for _, c := range decodeCases() {
		if c.cause == nil && (c.err == nil || !genericErrors.has(c.want.Type)) {
			cases = append(cases, c)
		}
	}
	var stream []byte
	for _, c := range cases {
		stream = append(stream, c.in...)
	}
	t.Logf("%d replies, %d bytes", len(cases), len(stream))
	for split := 0; split <= len(stream); split++ {
		var d Decoder
		d.Feed(stream[:split])
		fed := false
		for _, c := range cases {
			got, err := d.Next(c.kind)
			if err == ErrNeedMore && !fed {
				d.Feed(stream[split:])
				fed = true
				got, err = d.Next(c.kind)
			}
			checkReply(t, c, got, err)
		}
		if _, err := d.Next(KindDelete); !errors.Is(err, ErrNeedMore) || d.Buffered() != 0 {
			t.Fatalf("split %d: leftover %d bytes, %v", split, d.Buffered(), err)
		}
	}
}
