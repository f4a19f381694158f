package http1

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fuzzLimits picks default limits or small ones, so that the fuzzer also
// reaches the limit paths.
func fuzzLimits(small bool) []Option {
	if !small {
		return []Option{WithMaxBodyBytes(fuzzMaxBody(false))}
	}
	return []Option{WithMaxHeaderBytes(96), WithMaxFields(4), WithMaxURIBytes(16), WithMaxChunkExtBytes(8), WithMaxBodyBytes(fuzzMaxBody(true))}
}

// fuzzMaxBody is the body limit fuzzLimits sets: no body may be reported
// beyond it.
func fuzzMaxBody(small bool) int64 {
	if small {
		return 64
	}
	return 1 << 20
}

// checkStream parses in whole and checks the invariants every stream must
// keep, then returns its events and error.
func checkStream(t *testing.T, p parser, in []byte, maxBody int64) ([]rec, error) {
	buf := in
	var recs []rec
	inMsg, inBody, ended := false, false, false
	var declared, got int64
	for steps := 0; ; steps++ {
		if steps > 4*len(in)+16 {
			t.Fatalf("no progress after %d steps", steps)
		}
		n, ev, err := p.Parse(buf)
		if n < 0 || n > len(buf) {
			t.Fatalf("consumed %d of %d", n, len(buf))
		}
		if err != nil && n != 0 && !errors.Is(err, ErrNeedMore) {
			t.Fatalf("consumed %d with error %v", n, err)
		}
		buf = buf[n:]
		if err != nil {
			if !errors.Is(err, ErrNeedMore) && !errors.Is(err, ErrProtocolSwitched) {
				var e *Error
				if !errors.As(err, &e) || e.Status < 400 || e.Status > 599 || e.Err == nil {
					t.Fatalf("error %v is not an *Error with a status", err)
				}
			}
			return recs, err
		}
		switch ev.Kind {
		case EventHead:
			if inMsg {
				t.Fatal("head inside a message")
			}
			inMsg, inBody, ended = true, true, false
			declared, got = -1, 0
			v := p.view()
			if v["framing"] == "Length" {
				declared, _ = strconv.ParseInt(v["cl"], 10, 64)
			}
			recs = append(recs, rec{kind: EventHead, kv: v})
		case EventBody:
			if !inBody || len(ev.Data) == 0 {
				t.Fatalf("bad body event (in body %v, %d bytes)", inBody, len(ev.Data))
			}
			got += int64(len(ev.Data))
			if declared >= 0 && got > declared || got > maxBody {
				t.Fatalf("body of %d bytes, declared %d, limit %d", got, declared, maxBody)
			}
			recs = append(recs, rec{kind: EventBody, data: string(ev.Data)})
		case EventTrailers:
			if !inBody {
				t.Fatal("trailers outside a body")
			}
			inBody = false
			recs = append(recs, rec{kind: EventTrailers, kv: map[string]string{"fields": fieldsString(p.trailers())}})
		case EventEnd:
			if !inMsg || ended {
				t.Fatal("end outside a message")
			}
			if declared >= 0 && got != declared {
				t.Fatalf("body of %d bytes, declared %d", got, declared)
			}
			inMsg, inBody, ended = false, false, true
			recs = append(recs, rec{kind: EventEnd})
		default:
			t.Fatalf("event %v without error", ev.Kind)
		}
	}
}

// merged joins adjacent body records, for comparison across splits.
func merged(recs []rec) string {
	var out []rec
	for _, r := range recs {
		if l := len(out); l > 0 && r.kind == EventBody && out[l-1].kind == EventBody {
			out[l-1].data += r.data
			continue
		}
		out = append(out, r)
	}
	return recsString(out)
}

func fuzzSplit(t *testing.T, newP func() parser, in []byte, split uint16) {
	var parts [][]byte
	if len(in) > 0 {
		a := int(split) % (len(in) + 1)
		b := a + int(split>>8)%(len(in)-a+1)
		parts = [][]byte{in[:a], in[a:b], in[b:]}
	}
	wantRecs, wantErr := checkStream(t, newP(), in, 1<<20)
	want := merged(wantRecs) + fmt.Sprintf("\nerr=%v", wantErr)
	gotRecs, gotErr, _ := run(newP(), parts...)
	if errors.Is(gotErr, ErrNeedMore) {
		gotErr = nil
	}
	if errors.Is(wantErr, ErrNeedMore) {
		wantErr = nil
	}
	want = merged(wantRecs) + fmt.Sprintf("\nerr=%v", wantErr)
	got := merged(gotRecs) + fmt.Sprintf("\nerr=%v", gotErr)
	if got != want {
		t.Fatalf("split %d gave\n%s\nwhole gave\n%s", split, got, want)
	}
}

func FuzzRequestParser(f *testing.F) {
	for _, tc := range requestCases {
		if len(tc.in) < 4096 {
			f.Add([]byte(tc.in), uint16(len(tc.in)/2), tc.opts != nil)
		}
	}
	f.Add([]byte(typicalGET+typicalGET), uint16(0x3050), false)
	post := "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n"
	chunked := "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	f.Add([]byte(post+"ab"+post+"cd\r\n"+post+"ef"), uint16(0x4020), false)
	f.Add([]byte(chunked+"1\r\na\r\n0\r\n\r\n"+chunked+"0\r\n\r\n"+chunked), uint16(70), true)
	f.Fuzz(func(t *testing.T, in []byte, split uint16, small bool) {
		opts := fuzzLimits(small)
		newP := func() parser { return reqP{NewRequestParser(opts...)} }
		_, _ = checkStream(t, newP(), in, fuzzMaxBody(small))
		fuzzSplit(t, newP, in, split)
		checkHeads(t, in, opts)
		p := NewRequestParser(opts...)
		_, _ = checkStream(t, reqP{p}, in, fuzzMaxBody(small))
		if err := p.EOF(); err != nil && !errors.Is(err, ErrUnexpectedEOF) && p.err != err {
			t.Fatalf("EOF: %v", err)
		}
	})
}

// checkHeads parses the requests of in and checks that each head, a
// repeated one (see Request.Repeated) included, reads as a fresh parser
// reads it.
func checkHeads(t *testing.T, in []byte, opts []Option) {
	p := NewRequestParser(opts...)
	var prev []byte
	for {
		n, ev, err := p.Parse(in)
		in = in[n:]
		if err != nil {
			return
		}
		if ev.Kind != EventHead {
			continue
		}
		rep := p.Repeated()
		r := p.Request()
		if r.Repeated != rep || rep != (string(r.Head) == string(prev) && len(prev) <= RepeatMax) {
			t.Fatalf("Repeated %v for %q after %q", r.Repeated, r.Head, prev)
		}
		prev = append(prev[:0], r.Head...)
		fresh := NewRequestParser(opts...)
		if _, ev, err := fresh.Parse(r.Head); err != nil || ev.Kind != EventHead {
			t.Fatalf("fresh parse of %q: %v", r.Head, err)
		}
		if got, want := requestView(r), requestView(fresh.Request()); !maps.Equal(got, want) {
			t.Fatalf("head %q read\n%v\nfresh\n%v", r.Head, got, want)
		}
	}
}

var fuzzMethods = []string{"GET", "HEAD", "CONNECT", "POST"}

func FuzzResponseParser(f *testing.F) {
	for _, tc := range responseCases {
		m := uint8(0)
		for i, name := range fuzzMethods {
			if name == tc.method {
				m = uint8(i)
			}
		}
		f.Add([]byte(tc.in), m, uint16(len(tc.in)/3), tc.opts != nil)
	}
	f.Fuzz(func(t *testing.T, in []byte, method uint8, split uint16, small bool) {
		opts := fuzzLimits(small)
		m := fuzzMethods[int(method)%len(fuzzMethods)]
		newP := func() parser {
			p := NewResponseParser(opts...)
			p.SetMethod(m)
			return respP{p}
		}
		fuzzSplit(t, newP, in, split)
		p := NewResponseParser(opts...)
		p.SetMethod(m)
		_, _ = checkStream(t, respP{p}, in, fuzzMaxBody(small))
		ev, err := p.EOF()
		if err != nil && !errors.Is(err, ErrUnexpectedEOF) && p.err != err {
			t.Fatalf("EOF: %v", err)
		}
		if ev.Kind != EventNone && ev.Kind != EventEnd {
			t.Fatalf("EOF event %v", ev.Kind)
		}
	})
}

// FuzzRoundTrip encodes a request from fuzzed parts and checks that the
// parser reads back exactly what was encoded.
func FuzzRoundTrip(f *testing.F) {
	f.Add("GET", "/", "Accept: */*\nX-A: b c", []byte(nil), false, uint8(0), "")
	f.Add("POST", "/upload?x=1&y=%20", "Content-Type: text/plain", []byte("hello world"), true, uint8(3), "X-Sum: 1")
	f.Add("PUT", "http://example.com:8080/a", "X: \x80\xff", []byte("abc"), false, uint8(0), "")
	f.Add("CONNECT", "example.com:443", "", []byte(nil), false, uint8(0), "")
	f.Add("OPTIONS", "*", "Max-Forwards: 0", []byte("x"), true, uint8(0), "A: b\nC: d")
	f.Fuzz(func(t *testing.T, method, target, rawFields string, content []byte, chunked bool, chunk uint8, rawTrailers string) {
		h := hdr("Host", "example.com")
		for _, line := range strings.Split(rawFields, "\n") {
			name, value, _ := strings.Cut(line, ":")
			value = strings.TrimLeft(value, " ")
			switch strings.ToLower(name) {
			case "", "host", "content-length", "transfer-encoding":
				continue
			}
			h = append(h, Field{Name: []byte(name), Value: []byte(value)})
		}
		if chunked {
			h = append(h, Field{Name: []byte("Transfer-Encoding"), Value: []byte("chunked")})
		} else {
			h = append(h, Field{Name: []byte("Content-Length"), Value: strconv.AppendInt(nil, int64(len(content)), 10)})
		}
		var trailers Header
		if chunked && rawTrailers != "" {
			for _, line := range strings.Split(rawTrailers, "\n") {
				name, value, _ := strings.Cut(line, ":")
				trailers = append(trailers, Field{Name: []byte(name), Value: []byte(strings.TrimLeft(value, " "))})
			}
		}
		msg, err := AppendRequestHeader(nil, method, target, h)
		if err != nil {
			if !errors.Is(err, ErrInvalidMethod) && !errors.Is(err, ErrInvalidTarget) &&
				!errors.Is(err, ErrInvalidFieldName) && !errors.Is(err, ErrInvalidFieldValue) {
				t.Fatalf("encoder error %v", err)
			}
			return
		}
		if chunked {
			for rest, size := content, int(chunk)+1; len(rest) > 0; {
				k := min(size, len(rest))
				msg = AppendChunk(msg, rest[:k])
				rest = rest[k:]
			}
			if msg, err = AppendLastChunk(msg, trailers); err != nil {
				return
			}
		} else {
			msg = append(msg, content...)
		}

		recs, perr, rest := run(reqP{NewRequestParser()}, msg)
		if perr != nil {
			var e *Error
			if errors.As(perr, &e) && (e.Status == 431 || e.Status == 414) {
				return // beyond the default limits
			}
			t.Fatalf("encoded %q, parse error %v", msg, perr)
		}
		want := []exp{head("method", method, "target", target, "fields", fieldsString(h))}
		if len(content) > 0 {
			want = append(want, body(string(content)))
		}
		if len(trailers) > 0 {
			want = append(want, trailer(fieldsString(trailers)))
		}
		want = append(want, end())
		checkEvents(t, recs, want)
		if len(rest) != 0 {
			t.Fatalf("%d bytes left over", len(rest))
		}
	})
}

// TestWriteFuzzSeeds writes the table cases as seed files under
// testdata/fuzz when EDDY_WRITE_FUZZ_SEEDS is set. The files are committed;
// this regenerates them after the tables change.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("EDDY_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set EDDY_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz")
	}
	write := func(target, name string, args ...string) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		data := "go test fuzz v1\n" + strings.Join(args, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	slug := func(s string) string {
		return strings.Map(func(r rune) rune {
			if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
				return r
			}
			return '-'
		}, strings.ToLower(s))
	}
	for _, tc := range requestCases {
		if len(tc.in) < 4096 {
			write("FuzzRequestParser", slug(tc.name), fmt.Sprintf("[]byte(%q)", tc.in),
				fmt.Sprintf("uint16(%d)", len(tc.in)/2), fmt.Sprintf("bool(%v)", tc.opts != nil))
		}
	}
	for _, tc := range responseCases {
		m := 0
		for i, name := range fuzzMethods {
			if name == tc.method {
				m = i
			}
		}
		write("FuzzResponseParser", slug(tc.name), fmt.Sprintf("[]byte(%q)", tc.in), fmt.Sprintf("byte(%d)", m),
			fmt.Sprintf("uint16(%d)", len(tc.in)/3), fmt.Sprintf("bool(%v)", tc.opts != nil))
	}
	write("FuzzRoundTrip", "chunked-trailers", `string("POST")`, `string("/a?b")`, `string("X-A: b\nY: c d")`,
		`[]byte("hello, world")`, `bool(true)`, `byte(4)`, `string("T: 1")`)
	write("FuzzRoundTrip", "absolute", `string("GET")`, `string("https://[::1]:8443/p")`, `string("Accept: */*")`,
		`[]byte("")`, `bool(false)`, `byte(0)`, `string("")`)
}
