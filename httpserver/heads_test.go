package httpserver

import (
	"testing"

	"github.com/eddy-go/eddy/codec/http1"
)

// seenHead is what a request head holds, as strings: what a handler saw
// of a Request, or what a parser made of the same bytes.
type seenHead struct {
	method, target, path, query, host string
	fields                            []Field
}

// headOf captures the head of r as the handler sees it now.
func headOf(r *Request) seenHead {
	h := seenHead{r.Method, r.Target, r.Path, r.RawQuery, r.Host, nil}
	for k, v := range r.Header.All() {
		h.fields = append(h.fields, Field{k, v})
	}
	return h
}

// parsedHeadOf copies the head the parser reports.
func parsedHeadOf(r *http1.Request) seenHead {
	h := seenHead{string(r.Method), string(r.Target), string(r.Path), string(r.Query), string(r.Host), nil}
	for _, f := range r.Header {
		h.fields = append(h.fields, Field{string(f.Name), string(f.Value)})
	}
	return h
}

// checkHeads fails t at the first of got that differs from the one at
// the same place in want, which must be at least as long.
func checkHeads(t *testing.T, got, want []seenHead) {
	t.Helper()
	for i, g := range got {
		w := want[i]
		if g.method != w.method || g.target != w.target || g.path != w.path || g.query != w.query ||
			g.host != w.host || len(g.fields) != len(w.fields) {
			t.Fatalf("request %d: %+v, want %+v", i, g, w)
		}
		for j := range w.fields {
			if g.fields[j] != w.fields[j] {
				t.Fatalf("request %d field %d: %q, want %q", i, j, g.fields[j], w.fields[j])
			}
		}
	}
}
