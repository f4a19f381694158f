package beanstalk

import (
	"errors"
	"fmt"
	"testing"

	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/driver"
)

// decodeAll feeds stream in the given pieces and decodes one reply per
// kind, as the driver does, describing each outcome.
func decodeAll(kinds []bs.Kind, pieces ...[]byte) []string {
	var c codec
	var out []string
	i := 0
	for _, p := range pieces {
		c.Feed(p)
		for i < len(kinds) {
			r, err := c.Next(op{kind: kinds[i]})
			if errors.Is(err, driver.ErrNeedMore) {
				break
			}
			i++
			out = append(out, fmt.Sprintf("%v %d %d %q %q %v", r.Type, r.ID, r.Count, r.Tube, r.Body, err))
			if errors.Is(err, driver.ErrBroken) {
				return out
			}
		}
	}
	return out
}

var stream = []byte("INSERTED 1\r\nRESERVED 1 4\r\na\r\nb\r\nNOT_FOUND\r\nOK 14\r\n---\n- default\n\r\n" +
	"USING x\r\nWATCHING 2\r\nKICKED 3\r\nDEADLINE_SOON\r\nBURIED 9\r\nUNKNOWN_COMMAND\r\n")

var streamKinds = []bs.Kind{bs.KindPut, bs.KindReserve, bs.KindDelete, bs.KindListTubes,
	bs.KindUse, bs.KindWatch, bs.KindKick, bs.KindReserve, bs.KindPut, bs.KindStats}

func TestCodecSplitAtEveryOffset(t *testing.T) {
	want := decodeAll(streamKinds, stream)
	if len(want) != len(streamKinds) {
		t.Fatalf("decoded %d replies: %q", len(want), want)
	}
	for i := 0; i <= len(stream); i++ {
		got := decodeAll(streamKinds, stream[:i], stream[i:])
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("split at %d: %q, want %q", i, got, want)
		}
	}
	var bytewise [][]byte
	for i := range stream {
		bytewise = append(bytewise, stream[i:i+1])
	}
	if got := decodeAll(streamKinds, bytewise...); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("byte by byte: %q", got)
	}
}

func TestCodecClassifiesErrors(t *testing.T) {
	for _, tc := range []struct {
		kind   bs.Kind
		reply  string
		want   error
		broken bool
	}{
		{bs.KindDelete, "NOT_FOUND\r\n", ErrNotFound, false},
		{bs.KindPut, "JOB_TOO_BIG\r\n", ErrJobTooBig, false},
		{bs.KindPut, "OUT_OF_MEMORY\r\n", ErrOutOfMemory, false},
		{bs.KindPut, "INTERNAL_ERROR\r\n", ErrInternalError, false},
		{bs.KindPut, "DRAINING\r\n", ErrDraining, false},
		{bs.KindRelease, "BURIED\r\n", ErrBuried, false},
		{bs.KindPut, "BAD_FORMAT\r\n", ErrBadFormat, true},
		{bs.KindPut, "EXPECTED_CRLF\r\n", ErrExpectedCRLF, true},
		{bs.KindPut, "DELETED\r\n", ErrProtocol, true},
		{bs.KindPut, "INSERTED x\r\n", ErrProtocol, true},
	} {
		var c codec
		c.Feed([]byte(tc.reply))
		_, err := c.Next(op{kind: tc.kind})
		if !errors.Is(err, tc.want) || errors.Is(err, driver.ErrBroken) != tc.broken {
			t.Errorf("%v %q: %v", tc.kind, tc.reply, err)
		}
	}
}

// FuzzCodec decodes arbitrary server bytes for arbitrary commands, whole
// and split in two, through the driver's codec adapter: it must never
// panic, and the split must not change the outcome.
func FuzzCodec(f *testing.F) {
	f.Add(stream, []byte{1, 3, 6, 21, 2, 10, 16, 3, 1, 20}, uint16(7))
	f.Add([]byte("OK 5\r\n---\na\r\n"), []byte{20}, uint16(3))
	f.Add([]byte("OK 12\r\n---\nid: 1\n\r\n"), []byte{18}, uint16(9))
	f.Add([]byte("RESERVED 18446744073709551615 0\r\n\r\n"), []byte{3}, uint16(1))
	f.Fuzz(func(t *testing.T, data, kinds []byte, split uint16) {
		if len(kinds) == 0 || len(kinds) > 64 {
			return
		}
		ks := make([]bs.Kind, len(kinds))
		for i, k := range kinds {
			ks[i] = bs.Kind(k%uint8(bs.KindPauseTube) + 1)
		}
		at := int(split) % (len(data) + 1)
		whole := decodeAll(ks, data)
		parts := decodeAll(ks, data[:at], data[at:])
		if fmt.Sprint(whole) != fmt.Sprint(parts) {
			t.Fatalf("split at %d: %q, whole %q", at, parts, whole)
		}
		// The stats parsers must take whatever an OK reply carries.
		var c codec
		c.Feed(data)
		if r, err := c.Next(op{kind: bs.KindStats}); err == nil {
			bs.ParseServerStats(r.Body)
			bs.ParseTubeStats(r.Body)
			bs.ParseJobStats(r.Body)
			bs.ParseTubeList(r.Body)
		}
	})
}
