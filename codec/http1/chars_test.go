package http1

import (
	"strings"
	"testing"
)

// validFieldValueSlow is the definition validFieldValue implements.
func validFieldValueSlow(b string) bool {
	if b == "" {
		return true
	}
	if isWS(b[0]) || isWS(b[len(b)-1]) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if class[b[i]]&cValue == 0 {
			return false
		}
	}
	return true
}

// TestValidFieldValueWords checks the word-at-a-time validation against
// the byte-by-byte definition for every byte at every place of values
// up to three words long.
func TestValidFieldValueWords(t *testing.T) {
	for n := 1; n <= 24; n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("a", n))
				b[at] = byte(c)
				got, want := validFieldValue(b), validFieldValueSlow(string(b))
				if got != want {
					t.Fatalf("validFieldValue(%q) = %v, want %v", b, got, want)
				}
				if validFieldValue(string(b)) != want {
					t.Fatalf("validFieldValue(string %q) != %v", b, want)
				}
			}
		}
	}
}

// TestScanValueWords checks scanValue against scanValueBytes for
// every byte at every place of lines up to three words long, cut at
// every length.
func TestScanValueWords(t *testing.T) {
	for n := 0; n <= 20; n++ {
		for at := 0; at < n+2; at++ {
			for c := 0; c < 256; c++ {
				line := []byte(strings.Repeat("v", n) + "\r\nX: y\r\n")
				line[at] = byte(c)
				for cut := at; cut <= len(line); cut++ {
					win := line[:cut]
					lim := len(line) - 2
					gotN, gotErr := scanValue(win, 0, lim, errHeaderTooLarge)
					wantN, wantErr := scanValueBytes(win, 0, lim, errHeaderTooLarge)
					if gotN != wantN || gotErr != wantErr {
						t.Fatalf("scanValue(%q) = %d, %v; want %d, %v", win, gotN, gotErr, wantN, wantErr)
					}
				}
			}
		}
	}
}

// TestValidTokenWords checks validToken against the byte-by-byte
// definition for every byte at every place of tokens up to 12 long.
func TestValidTokenWords(t *testing.T) {
	for n := 1; n <= 12; n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("a", n))
				b[at] = byte(c)
				want := class[c]&cTchar != 0
				if validToken(b) != want || validToken(string(b)) != want {
					t.Fatalf("validToken(%q) != %v", b, want)
				}
			}
		}
	}
	if validToken("") || validToken([]byte{}) {
		t.Fatal("empty token valid")
	}
}

// validHostPortSlow is validHostPort for reg-names without its four-byte
// fast path.
func validHostPortSlow(b []byte, needPort bool) bool {
	i := 0
	for ; i < len(b) && class[b[i]]&cReg != 0; i++ {
		if b[i] == '%' {
			if i+2 >= len(b) || class[b[i+1]]&cHex == 0 || class[b[i+2]]&cHex == 0 {
				return false
			}
			i += 2
		}
	}
	if i == len(b) {
		return !needPort
	}
	if b[i] != ':' || needPort && (i == 0 || i == len(b)-1) {
		return false
	}
	for _, c := range b[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// TestValidHostPortWords checks validHostPort against the byte-by-byte
// scan for every byte at every place of reg-name hosts, with percent
// escapes in and out of the four-byte steps.
func TestValidHostPortWords(t *testing.T) {
	bases := []string{"a", "abcd", "abcdefghi", "ab%41cdefg", "abcdefgh:80", "%4", "abc%4:1", "localhost:8080", "a:", ":1"}
	for _, base := range bases {
		for at := 0; at < len(base); at++ {
			for c := 0; c < 256; c++ {
				b := []byte(base)
				if b[0] == '[' || c == '[' && at == 0 {
					continue
				}
				b[at] = byte(c)
				for _, need := range []bool{false, true} {
					if got, want := validHostPort(b, need), validHostPortSlow(b, need); got != want {
						t.Fatalf("validHostPort(%q, %v) = %v, want %v", b, need, got, want)
					}
				}
			}
		}
	}
}

// TestEqualFoldWords checks the word-at-a-time equalFold against the
// byte-by-byte fold for every byte at every place of the names it is
// used with.
func TestEqualFoldWords(t *testing.T) {
	for _, s := range []string{"host", "connection", "content-length", "transfer-encoding", "100-continue", "keep-alive"} {
		for at := 0; at < len(s); at++ {
			for c := 0; c < 256; c++ {
				b := []byte(s)
				b[at] = byte(c)
				want := true
				for i := range b {
					if b[i]|0x20 != s[i] {
						want = false
					}
				}
				if equalFold(b, s) != want {
					t.Fatalf("equalFold(%q, %q) != %v", b, s, want)
				}
			}
		}
		if equalFold([]byte(s[1:]), s) {
			t.Fatalf("equalFold of a shorter name %q", s)
		}
	}
}
