package testenv

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

var replyCases = []struct {
	in   string
	want string
	err  bool
}{
	{"+PONG\r\n", "PONG", false},
	{":42\r\n", "42", false},
	{"$5\r\nhello\r\n", "hello", false},
	{"$0\r\n\r\n", "", false},
	{"$-1\r\n", "", false},
	{"$13\r\ncluster\r\ninfo\r\n", "cluster\r\ninfo", false},
	{"$12\r\ncluster\r\ninfo\r\n", "", true},
	{"-NOAUTH Authentication required.\r\n", "", true},
	{"*1\r\n+x\r\n", "", true},
	{"$5\r\nhel", "", true},
	{"$x\r\n", "", true},
	{"$-2\r\n", "", true},
	{"$99999999999\r\n", "", true},
	{"\r\n", "", true},
	{"+PONG\n", "", true},
	{"", "", true},
}

func TestReadRedisReply(t *testing.T) {
	for _, tc := range replyCases {
		got, err := readRedisReply(bufio.NewReader(bytes.NewReader([]byte(tc.in))))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("readRedisReply(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	_, err := readRedisReply(bufio.NewReader(bytes.NewReader([]byte("-ERR x\r\n"))))
	var re redisError
	if !errors.As(err, &re) || string(re) != "ERR x" {
		t.Errorf("error reply gave %v", err)
	}
}

// splitReader returns its input in two reads, split at n.
type splitReader struct {
	parts [][]byte
}

func (r *splitReader) Read(p []byte) (int, error) {
	for len(r.parts) > 0 && len(r.parts[0]) == 0 {
		r.parts = r.parts[1:]
	}
	if len(r.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.parts[0])
	r.parts[0] = r.parts[0][n:]
	return n, nil
}

// TestReadRedisReplySplit feeds every reply split at every byte offset,
// and one byte at a time: the result must not change.
func TestReadRedisReplySplit(t *testing.T) {
	for _, tc := range replyCases {
		in := []byte(tc.in)
		want, wantErr := readRedisReply(bufio.NewReader(bytes.NewReader(in)))
		for i := 0; i <= len(in); i++ {
			r := &splitReader{parts: [][]byte{in[:i:i], in[i:]}}
			got, err := readRedisReply(bufio.NewReader(r))
			if got != want || (err != nil) != (wantErr != nil) {
				t.Errorf("%q split at %d: %q, %v; want %q, %v", tc.in, i, got, err, want, wantErr)
			}
		}
		got, err := readRedisReply(bufio.NewReader(iotest.OneByteReader(bytes.NewReader(in))))
		if got != want || (err != nil) != (wantErr != nil) {
			t.Errorf("%q byte by byte: %q, %v; want %q, %v", tc.in, got, err, want, wantErr)
		}
	}
}

func FuzzReadRedisReply(f *testing.F) {
	for _, tc := range replyCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want, wantErr := readRedisReply(bufio.NewReader(bytes.NewReader(in)))
		got, err := readRedisReply(bufio.NewReader(iotest.OneByteReader(bytes.NewReader(in))))
		if got != want || (err != nil) != (wantErr != nil) {
			t.Fatalf("byte by byte: %q, %v; whole: %q, %v", got, err, want, wantErr)
		}
		if wantErr == nil && len(want) > len(in) {
			t.Fatalf("reply %q longer than input %q", want, in)
		}
	})
}
