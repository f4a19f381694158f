package httpserver

import (
	"strconv"
	"strings"
	"testing"
)

// TestResponseFieldsChecked sends, on one connection, responses whose
// fields turn invalid at a place where a valid field of the same length
// was sent before: the invalid ones must be dropped every time.
func TestResponseFieldsChecked(t *testing.T) {
	values := []string{"abc", "a\nc", "abc", "a\rc", "a\x00c", "abc", " bc", strings.Repeat("v", 70), "x\x7f" + strings.Repeat("v", 68)}
	names := []string{"X-A", "X\nA", "X-A", "X A"}
	var i int
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		w.Header().Set("X-First", "1")
		w.Header().Set(names[i%len(names)], values[i%len(values)])
		w.WriteString("ok")
	})})
	for i = 0; i < 3*len(values)*len(names); i++ {
		f.out.Reset()
		f.feed([]byte(benchGET))
		out := f.out.String()
		name, value := names[i%len(names)], values[i%len(values)]
		valid := !strings.ContainsAny(name, " \r\n") && !strings.ContainsAny(value, "\r\n\x00\x7f") &&
			value[0] != ' '
		line := name + ": " + value + "\r\n"
		if got := strings.Contains(out, line); got != valid {
			t.Fatalf("response %d: field %q sent %v, want %v: %q", i, line, got, valid, out)
		}
		if !strings.Contains(out, "X-First: 1\r\n") || !strings.HasSuffix(out, "\r\n\r\nok") {
			t.Fatalf("response %d: %q", i, out)
		}
		if strings.Count(out, "\n") != 6-btoi(!valid) {
			t.Fatalf("response %d: extra lines: %q", i, out)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestAppendLength(t *testing.T) {
	for _, n := range []int64{0, 1, 9, 10, 13, 99, 100, 4096, 99999, 100000, 123456789, 1<<63 - 1, -1} {
		got := string(appendLength([]byte("x"), n))
		if want := "x" + strconv.FormatInt(n, 10); got != want {
			t.Fatalf("appendLength(%d) = %q, want %q", n, got, want)
		}
	}
	for n := int64(0); n < 100000; n += 7 {
		if got, want := string(appendLength(nil, n)), strconv.FormatInt(n, 10); got != want {
			t.Fatalf("appendLength(%d) = %q, want %q", n, got, want)
		}
	}
}
