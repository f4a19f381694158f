package http1

import (
	"errors"
	"strings"
	"testing"
)

// TestValueBytes places every byte value at every offset of a long field
// value and checks the scanner against the field-value grammar.
func TestValueBytes(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 20; pos++ {
			v := []byte(strings.Repeat("v", 24))
			v[pos] = byte(c)
			in := "X: " + string(v) + "\r\n\r\n"
			sc := section{lim: 1 << 10, maxFields: 10, tooLarge: errHeaderTooLarge}
			end, err := sc.scan([]byte(in), 0)
			fields := sc.fields
			valid := c == '\t' || c == ' ' || c >= 0x21 && c != 0x7f
			switch {
			case valid && (err != nil || end != len(in) || len(fields) != 1):
				t.Fatalf("byte %#x at %d rejected: %v", c, pos, err)
			case valid:
				want := strings.TrimRight(string(v), " \t")
				if pos == 0 {
					want = strings.TrimLeft(want, " \t")
				}
				if string(fields[0].Value) != want {
					t.Fatalf("byte %#x at %d: value %q", c, pos, fields[0].Value)
				}
			case err == nil:
				t.Fatalf("byte %#x at %d accepted", c, pos)
			}
		}
	}
}

func TestListNext(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		bad  bool
	}{
		{"a, b ,c", []string{"a", "b", "c"}, false},
		{" , a,,", []string{"", "a", ""}, false},
		{`a;q="x,y", b`, []string{`a;q="x,y"`, "b"}, false},
		{`a;q="x\",y", b`, []string{`a;q="x\",y"`, "b"}, false},
		{`a;q="x`, nil, true},
	}
	for _, tc := range tests {
		var got []string
		v, bad := []byte(tc.in), false
		for len(v) > 0 {
			var e []byte
			e, v, bad = listNext(v)
			if bad {
				break
			}
			got = append(got, string(e))
		}
		if bad != tc.bad || !tc.bad && strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q: got %q bad=%v", tc.in, got, bad)
		}
	}
}

func TestHostPort(t *testing.T) {
	good := []string{"", "a", "example.com", "example.com:", "example.com:80", "192.0.2.1:8080",
		"[::1]", "[::1]:443", "[2001:db8::]", "[1:2:3:4:5:6:7:8]", "[1:2:3:4:5:6:1.2.3.4]", "[::ffff:10.0.0.1]",
		"[v1.fe80::a+en1]", "a%20b", "sub-delims!$&'()*+,;=", "~_.-"}
	bad := []string{" ", "a b", "a/b", "a@b", "a:b", "a:80:80", "[::1", "[::1]x", "[1:2:3:4:5:6:7:8:9]", "[1::2::3]",
		"[12345::]", "[:1]", "[1:]", "[1:2:3:4:5:6:7]", "[::1.2.3]", "[::1.2.3.256]", "[::01.2.3.4]", "[v.x]", "[v1.]",
		"[vz.x]", "[v1.a%20]", "a%2", "a%zz", "\x80", "[]"}
	for _, h := range good {
		if !validHostPort([]byte(h), false) {
			t.Errorf("%q rejected", h)
		}
	}
	for _, h := range bad {
		if validHostPort([]byte(h), false) {
			t.Errorf("%q accepted", h)
		}
	}
	for h, want := range map[string]bool{"a:1": true, "[::1]:1": true, "a": false, "a:": false, ":80": false, "[::1]": false} {
		if validHostPort([]byte(h), true) != want {
			t.Errorf("authority-form %q: want %v", h, want)
		}
	}
}

func TestContentLengthValues(t *testing.T) {
	tests := []struct {
		in   []string
		want int64
		err  error
	}{
		{[]string{"0"}, 0, nil},
		{[]string{"9223372036854775807"}, 1<<63 - 1, nil},
		{[]string{"9223372036854775808"}, 0, ErrInvalidContentLength},
		{[]string{"00012"}, 12, nil},
		{[]string{"1,1", "1"}, 1, nil},
		{[]string{"1,,1"}, 1, nil},
		{[]string{"1", "2"}, 0, ErrContentLengthDiffers},
		{[]string{`"1"`}, 0, ErrInvalidContentLength},
		{[]string{"1, \"1"}, 0, ErrInvalidContentLength},
		{[]string{"1 ,a"}, 0, ErrInvalidContentLength},
		{[]string{""}, 0, ErrInvalidContentLength},
	}
	for _, tc := range tests {
		var f framing
		f.reset()
		var err error
		for _, v := range tc.in {
			if err = f.contentLength([]byte(v)); err != nil {
				break
			}
		}
		if !errors.Is(err, tc.err) || err == nil && f.length != tc.want {
			t.Errorf("%q: got %d %v, want %d %v", tc.in, f.length, err, tc.want, tc.err)
		}
	}
}
