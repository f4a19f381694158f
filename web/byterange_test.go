package web

import (
	"errors"
	"testing"
)

func TestParseRange(t *testing.T) {
	cases := []struct {
		v    string
		size int64
		want []byteRange
		err  error
	}{
		{"bytes=0-499", 1000, []byteRange{{0, 500}}, nil},
		{"bytes=500-", 1000, []byteRange{{500, 500}}, nil},
		{"bytes=-200", 1000, []byteRange{{800, 200}}, nil},
		{"bytes=-2000", 1000, []byteRange{{0, 1000}}, nil},
		{"bytes=900-5000", 1000, []byteRange{{900, 100}}, nil},
		{"Bytes=0-0, 2-3 ,, -1", 10, []byteRange{{0, 1}, {2, 2}, {9, 1}}, nil},
		{"bytes=, 1-2", 10, []byteRange{{1, 2}}, nil},
		{"bytes = 0-1", 10, nil, ErrRangeSyntax},
		{"bytes =0-1", 10, nil, ErrRangeSyntax},
		{" bytes=0-1", 10, nil, ErrRangeSyntax},
		{"bytes= 0-1", 10, nil, ErrRangeSyntax},
		{"bytes=\t0-1", 10, nil, ErrRangeSyntax},
		{"bytes=-", 10, nil, ErrRangeSyntax},
		{"bytes=0 - 1", 10, nil, ErrRangeSyntax},
		{"bytes=1000-", 1000, nil, ErrRangeUnsatisfiable},
		{"bytes=-0", 1000, nil, ErrRangeUnsatisfiable},
		{"bytes=5-, 2000-3000", 10, []byteRange{{5, 5}}, nil},
		{"bytes=5-4", 10, nil, ErrRangeSyntax},
		{"bytes=", 10, nil, ErrRangeSyntax},
		{"bytes=a-b", 10, nil, ErrRangeSyntax},
		{"bytes=1", 10, nil, ErrRangeSyntax},
		{"bytes=--1", 10, nil, ErrRangeSyntax},
		{"bytes=+1-2", 10, nil, ErrRangeSyntax},
		{"items=0-1", 10, nil, ErrRangeSyntax},
		{"0-1", 10, nil, ErrRangeSyntax},
		{"bytes=0-9999999999999999999", 10, nil, ErrRangeSyntax},
		{"bytes=0-", 0, nil, ErrRangeUnsatisfiable},
		{"bytes=-0", 0, nil, ErrRangeUnsatisfiable},
		{"bytes=-5", 0, nil, nil},
		{"bytes=3-, -5", 0, nil, nil},
	}
	for _, c := range cases {
		got, err := parseRange(c.v, c.size)
		if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("%q: err %v, want %v", c.v, err, c.err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("%q: %v, want %v", c.v, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: %v, want %v", c.v, got, c.want)
			}
		}
	}
	// Too many ranges are ignored as a whole.
	v := "bytes=0-0"
	for range maxRanges {
		v += ",0-0"
	}
	if _, err := parseRange(v, 10); !errors.Is(err, ErrRangeSyntax) {
		t.Errorf("%d ranges: %v", maxRanges+1, err)
	}
}

func FuzzParseRange(f *testing.F) {
	f.Add("bytes=0-499", int64(1000))
	f.Add("bytes=-5,7-,1-2", int64(10))
	f.Add("bytes=0-0, 2-3 ,, -1", int64(0))
	f.Add("bytes=99999999999999999-", int64(1<<62))
	f.Fuzz(func(t *testing.T, v string, size int64) {
		if size < 0 {
			size = -size
		}
		if size < 0 {
			return
		}
		rs, err := parseRange(v, size)
		if err != nil {
			if !errors.Is(err, ErrRangeSyntax) && !errors.Is(err, ErrRangeUnsatisfiable) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if (len(rs) == 0 && size != 0) || len(rs) > maxRanges {
			// Only an empty representation has satisfiable ranges
			// that select nothing.
			t.Fatalf("%d ranges", len(rs))
		}
		for _, r := range rs {
			if r.start < 0 || r.length <= 0 || r.start+r.length > size {
				t.Fatalf("%q size %d: bad range %+v", v, size, r)
			}
		}
	})
}
