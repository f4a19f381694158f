package dns

import (
	"bytes"
	"errors"
	"testing"
)

func TestTCPFrames(t *testing.T) {
	msgs := [][]byte{[]byte("first message"), {}, bytes.Repeat([]byte{0xab}, 300)}
	var stream []byte
	for _, m := range msgs {
		var err error
		if stream, err = AppendTCPFrame(stream, m); err != nil {
			t.Fatal(err)
		}
	}
	// Split the stream at every offset, and also feed it byte by byte.
	check := func(chunks [][]byte) {
		t.Helper()
		var d TCPDecoder
		var got [][]byte
		for _, c := range chunks {
			d.Feed(c)
			for {
				m, err := d.Next()
				if errors.Is(err, ErrNeedMore) {
					break
				}
				got = append(got, bytes.Clone(m))
			}
		}
		if len(got) != len(msgs) || d.Buffered() != 0 {
			t.Fatalf("got %d messages, %d bytes left", len(got), d.Buffered())
		}
		for i := range msgs {
			if !bytes.Equal(got[i], msgs[i]) {
				t.Fatalf("message %d differs", i)
			}
		}
	}
	for i := 0; i <= len(stream); i++ {
		check([][]byte{stream[:i], stream[i:]})
	}
	var bytewise [][]byte
	for i := range stream {
		bytewise = append(bytewise, stream[i:i+1])
	}
	check(bytewise)

	if _, err := AppendTCPFrame(nil, make([]byte, 65536)); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("got %v", err)
	}
	var d TCPDecoder
	d.Feed([]byte{0, 5, 1, 2})
	if _, err := d.Next(); !errors.Is(err, ErrNeedMore) || d.Buffered() != 4 {
		t.Fatalf("partial frame: %v", err)
	}
}
