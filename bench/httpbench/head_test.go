package httpbench

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestNextHead(t *testing.T) {
	for _, tc := range []struct {
		in   string
		path string
		n    int
		err  error
	}{
		{"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", "/plaintext", 36, nil},
		{"GET /json?x=1 HTTP/1.1\r\n\r\nGET", "/json", 26, nil},
		{"GET /plaintext HTTP/1.1\r\nHost: x\r\n", "", 0, nil},
		{"", "", 0, nil},
		{"GET\r\n\r\n", "", 0, ErrBadHead},
		{" / HTTP/1.1\r\n\r\n", "", 0, ErrBadHead},
		{"GET  HTTP/1.1\r\n\r\n", "", 0, ErrBadHead},
		{"GET / \r\n\r\n", "", 0, ErrBadHead},
		{"GET /\r\n\r\n", "", 0, ErrBadHead},
		{strings.Repeat("a", maxHead+1), "", 0, ErrHeadTooLarge},
		{"GET / HTTP/1.1\r\nX: " + strings.Repeat("a", maxHead) + "\r\n\r\n", "", 0, ErrHeadTooLarge},
	} {
		path, n, err := nextHead([]byte(tc.in))
		if string(path) != tc.path || n != tc.n || !errors.Is(err, tc.err) {
			t.Errorf("%.40q: got %q %d %v, want %q %d %v", tc.in, path, n, err, tc.path, tc.n, tc.err)
		}
	}
}

// splitAll feeds stream to nextHead the way the gnet server does: the
// input arrives in the given pieces and is buffered, and every complete
// head is consumed as soon as it is there. It returns the paths found
// and the first error.
func splitAll(pieces ...[]byte) ([]string, error) {
	var buf []byte
	var paths []string
	for _, p := range pieces {
		buf = append(buf, p...)
		for {
			path, n, err := nextHead(buf)
			if err != nil {
				return paths, err
			}
			if n == 0 {
				break
			}
			paths = append(paths, string(path))
			buf = buf[n:]
		}
	}
	return paths, nil
}

// TestNextHeadSplit feeds a pipelined stream split at every byte offset,
// in two pieces and one byte at a time, and expects the same requests.
func TestNextHeadSplit(t *testing.T) {
	stream := []byte("GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n" +
		"GET /json?q HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n" +
		"HEAD /static/1MiB.bin HTTP/1.1\r\n\r\n")
	want := []string{"/plaintext", "/json", "/static/1MiB.bin"}
	for i := 0; i <= len(stream); i++ {
		got, err := splitAll(stream[:i], stream[i:])
		if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("split at %d: %q %v", i, got, err)
		}
	}
	var bytewise [][]byte
	for i := range stream {
		bytewise = append(bytewise, stream[i:i+1])
	}
	if got, err := splitAll(bytewise...); err != nil || len(got) != len(want) {
		t.Fatalf("byte by byte: %q %v", got, err)
	}
}

// FuzzNextHead checks that nextHead never panics, that what it returns
// lies within its input, and that splitting the input anywhere gives the
// same requests and the same outcome as feeding it whole.
func FuzzNextHead(f *testing.F) {
	f.Add([]byte("GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n"), 5)
	f.Add([]byte("GET /json HTTP/1.1\r\n\r\nGET /plaintext HTTP/1.1\r\n\r\n"), 21)
	f.Add([]byte("GET\r\n\r\n"), 0)
	f.Add([]byte("\r\n\r\n"), 2)
	f.Fuzz(func(t *testing.T, b []byte, at int) {
		path, n, err := nextHead(b)
		switch {
		case err != nil:
			if n != 0 || path != nil {
				t.Fatalf("error with result: %q %d %v", path, n, err)
			}
		case n > 0:
			if n > len(b) || n > maxHead || !bytes.HasSuffix(b[:n], crlfcrlf) || !bytes.Contains(b[:n], path) {
				t.Fatalf("bad head: %q %d of %d", path, n, len(b))
			}
		}
		if len(b) == 0 {
			return
		}
		at = ((at % len(b)) + len(b)) % len(b)
		whole, err1 := splitAll(b)
		split, err2 := splitAll(b[:at], b[at:])
		if strings.Join(whole, "\x00") != strings.Join(split, "\x00") || (err1 == nil) != (err2 == nil) {
			t.Fatalf("split at %d: %q %v vs %q %v", at, whole, err1, split, err2)
		}
	})
}
