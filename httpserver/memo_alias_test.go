package httpserver

import (
	"strings"
	"testing"
	"unsafe"
)

// TestFieldsMemoBytesReused checks that a response field whose value
// has the same length and address as the previous response's but other
// bytes (a handler that formats each value into one scratch buffer, as
// zero-copy code does once the previous response is sent) is sent as
// it is now, never as the fields memo remembers it.
func TestFieldsMemoBytesReused(t *testing.T) {
	scratch := []byte("id-0000")
	ids := []string{"id-0001", "id-0002", "id-0003"}
	n := 0
	f := newFakeConn(&Server{Handler: HandlerFunc(func(w *ResponseWriter, r *Request) {
		copy(scratch, ids[n])
		n++
		w.Header().Set("X-Id", unsafe.String(&scratch[0], len(scratch)))
		w.WriteString("ok")
	})})
	for range ids {
		f.feed([]byte("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
	}
	out := f.out.String()
	for _, id := range ids {
		if strings.Count(out, "X-Id: "+id+"\r\n") != 1 {
			t.Fatalf("%s not sent once: %q", id, out)
		}
	}
}
