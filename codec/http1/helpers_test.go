package http1

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// rec is one recorded event, copied out of the parser so that it outlives
// the buffer. Consecutive body events are merged.
type rec struct {
	kind EventKind
	kv   map[string]string // head or trailer view
	data string            // body
}

func (r rec) String() string {
	switch r.kind {
	case EventBody:
		return fmt.Sprintf("body %q", r.data)
	case EventHead, EventTrailers:
		keys := make([]string, 0, len(r.kv))
		for k := range r.kv {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		b.WriteString(r.kind.String())
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%q", k, r.kv[k])
		}
		return b.String()
	}
	return r.kind.String()
}

func fieldsString(h Header) string {
	var b strings.Builder
	for i, f := range h {
		if i > 0 {
			b.WriteByte('|')
		}
		b.Write(f.Name)
		b.WriteByte(':')
		b.Write(f.Value)
	}
	return b.String()
}

func optString(b []byte) string {
	if b == nil {
		return "<nil>"
	}
	return string(b)
}

func requestView(r *Request) map[string]string {
	return map[string]string{
		"method":   string(r.Method),
		"target":   string(r.Target),
		"form":     r.Form.String(),
		"path":     string(r.Path),
		"query":    optString(r.Query),
		"host":     string(r.Host),
		"minor":    strconv.Itoa(r.Minor),
		"fields":   fieldsString(r.Header),
		"framing":  r.Framing.String(),
		"cl":       strconv.FormatInt(r.ContentLength, 10),
		"ka":       strconv.FormatBool(r.KeepAlive),
		"continue": strconv.FormatBool(r.ExpectContinue),
		"upgrade":  strconv.FormatBool(r.Upgrade),
	}
}

func responseView(r *Response) map[string]string {
	return map[string]string{
		"minor":    strconv.Itoa(r.Minor),
		"status":   strconv.Itoa(r.Status),
		"reason":   string(r.Reason),
		"fields":   fieldsString(r.Header),
		"framing":  r.Framing.String(),
		"cl":       strconv.FormatInt(r.ContentLength, 10),
		"ka":       strconv.FormatBool(r.KeepAlive),
		"interim":  strconv.FormatBool(r.Interim),
		"switched": strconv.FormatBool(r.Switched),
	}
}

// parser abstracts the two parsers for the drivers below.
type parser interface {
	Parse([]byte) (int, Event, error)
	view() map[string]string
	trailers() Header
}

type reqP struct{ *RequestParser }

func (p reqP) view() map[string]string { return requestView(p.Request()) }
func (p reqP) trailers() Header        { return p.Trailers() }

type respP struct{ *ResponseParser }

func (p respP) view() map[string]string { return responseView(p.Response()) }
func (p respP) trailers() Header        { return p.Trailers() }

// run feeds chunks to p one after another, as a server would: each call
// gets a fresh copy of the unconsumed bytes plus the new chunk, so that a
// parser keeping pointers into an old buffer would be caught. It returns
// the events and the first error other than ErrNeedMore, and the bytes
// left unconsumed.
func run(p parser, chunks ...[]byte) (recs []rec, err error, rest []byte) {
	var buf []byte
	for _, c := range chunks {
		nb := make([]byte, 0, len(buf)+len(c))
		nb = append(append(nb, buf...), c...)
		buf = nb
		for {
			n, ev, err := p.Parse(buf)
			if n < 0 || n > len(buf) {
				panic(fmt.Sprintf("consumed %d of %d", n, len(buf)))
			}
			buf = buf[n:]
			if errors.Is(err, ErrNeedMore) {
				break
			}
			if err != nil {
				return recs, err, buf
			}
			switch ev.Kind {
			case EventHead:
				recs = append(recs, rec{kind: EventHead, kv: p.view()})
			case EventBody:
				if len(ev.Data) == 0 {
					panic("empty body event")
				}
				if l := len(recs); l > 0 && recs[l-1].kind == EventBody {
					recs[l-1].data += string(ev.Data)
				} else {
					recs = append(recs, rec{kind: EventBody, data: string(ev.Data)})
				}
			case EventTrailers:
				recs = append(recs, rec{kind: EventTrailers, kv: map[string]string{"fields": fieldsString(p.trailers())}})
			case EventEnd:
				recs = append(recs, rec{kind: EventEnd})
			default:
				panic("event without kind")
			}
		}
	}
	return recs, nil, buf
}

// exp is an expected event: for heads and trailers, only the listed keys
// are compared.
type exp struct {
	kind EventKind
	kv   map[string]string
	data string
}

func head(kv ...string) exp {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return exp{kind: EventHead, kv: m}
}

func body(s string) exp    { return exp{kind: EventBody, data: s} }
func trailer(f string) exp { return exp{kind: EventTrailers, kv: map[string]string{"fields": f}} }
func end() exp             { return exp{kind: EventEnd} }
func recsString(r []rec) string {
	var s []string
	for _, x := range r {
		s = append(s, x.String())
	}
	return strings.Join(s, "\n")
}

func checkEvents(t *testing.T, got []rec, want []exp) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d:\n%s", len(got), len(want), recsString(got))
	}
	for i, w := range want {
		g := got[i]
		if g.kind != w.kind {
			t.Fatalf("event %d is %v, want %v:\n%s", i, g.kind, w.kind, recsString(got))
		}
		if g.data != w.data {
			t.Errorf("event %d data %q, want %q", i, g.data, w.data)
		}
		for k, v := range w.kv {
			if gv, ok := g.kv[k]; !ok || gv != v {
				t.Errorf("event %d: %s = %q, want %q", i, k, gv, v)
			}
		}
	}
}

// checkErr checks that err wraps sentinel inside an *Error with status.
func checkErr(t *testing.T, err, sentinel error, status int) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v, want %v", err, sentinel)
	}
	if status == 0 {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *Error", err)
	}
	if e.Status != status {
		t.Fatalf("status %d, want %d (%v)", e.Status, status, err)
	}
}

// splits returns every way of cutting in in two, and in single bytes.
func splits(in []byte) [][][]byte {
	var out [][][]byte
	for i := 0; i <= len(in); i++ {
		out = append(out, [][]byte{in[:i], in[i:]})
	}
	var bytes1 [][]byte
	for i := range in {
		bytes1 = append(bytes1, in[i:i+1])
	}
	return append(out, bytes1)
}

// checkSplits checks that every split of in gives the same events and
// error as in whole.
func checkSplits(t *testing.T, newP func() parser, in []byte) {
	t.Helper()
	wantRecs, wantErr, wantRest := run(newP(), in)
	want := recsString(wantRecs) + fmt.Sprintf("\nerr=%v", wantErr)
	for _, chunks := range splits(in) {
		recs, err, rest := run(newP(), chunks...)
		got := recsString(recs) + fmt.Sprintf("\nerr=%v", err)
		if got != want {
			t.Fatalf("split %d chunks (first %d bytes):\n%s\nwant:\n%s", len(chunks), len(chunks[0]), got, want)
		}
		if wantErr == nil && string(rest) != string(wantRest) {
			t.Fatalf("split %d chunks (first %d bytes): left %q, want %q", len(chunks), len(chunks[0]), rest, wantRest)
		}
	}
}
