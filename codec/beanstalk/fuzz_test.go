package beanstalk

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// fuzzKind maps a fuzz byte to a command kind with a reply.
func fuzzKind(b byte) Kind {
	return Kind(b%uint8(KindQuit-1)) + 1 // KindPut .. KindPauseTube
}

// transcript decodes data fed in the given chunks, asking for replies to
// kinds in turn (cycling), and records every result. It stops at the first
// error that is neither nil nor a *ReplyError, after feeding EOF.
func transcript(t *testing.T, kinds []byte, chunks ...[]byte) []string {
	d := Decoder{MaxBodySize: 64}
	var out []string
	i := 0
	for c := 0; c <= len(chunks); c++ {
		if c < len(chunks) {
			d.Feed(chunks[c])
		} else {
			d.FeedEOF()
		}
		for ; ; i++ {
			k := fuzzKind(kinds[i%len(kinds)])
			r, err := d.Next(k)
			if err == ErrNeedMore && c < len(chunks) {
				break
			}
			checkInvariants(t, k, r, err, d.MaxBodySize)
			out = append(out, fmt.Sprintf("%s %+v %q %v", k, r.Clone(), r.Body, err))
			var re *ReplyError
			if err != nil && !errors.As(err, &re) {
				return out
			}
		}
	}
	return out
}

func checkInvariants(t *testing.T, k Kind, r Reply, err error, maxBody int) {
	t.Helper()
	var re *ReplyError
	var pe *ProtocolError
	switch {
	case err == nil:
		if !k.Succeeds(r.Type) {
			t.Fatalf("%s: success with %s", k, r.Type)
		}
		if len(r.Body) > maxBody {
			t.Fatalf("%s: body of %d bytes over limit", k, len(r.Body))
		}
		if r.Type == ReplyUsing && ValidateTubeName(r.Tube) != nil {
			t.Fatalf("%s: bad tube %q accepted", k, r.Tube)
		}
	case errors.As(err, &re):
		if re.Kind != k || re.Type != r.Type || re.Err == nil || k.Succeeds(r.Type) ||
			!(k.Expects(r.Type) || genericErrors.has(r.Type)) {
			t.Fatalf("%s: inconsistent ReplyError %+v for %+v", k, re, r)
		}
	case errors.As(err, &pe):
		if !errors.Is(err, ErrProtocol) || r.Type != 0 {
			t.Fatalf("%s: inconsistent ProtocolError %v with %+v", k, err, r)
		}
	case err.Error() == "EOF":
	default:
		t.Fatalf("%s: unexpected error %v", k, err)
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0}, []byte("INSERTED 1\r\n"), uint16(3))
	f.Add([]byte{2, 16, 17}, []byte("RESERVED 1 5\r\nhe\r\nl\r\nOK 8\r\n---\n- a\n\r\nNOT_FOUND\r\n"), uint16(17))
	f.Add([]byte{1, 9, 10}, []byte("USING default\r\nWATCHING 2\r\nNOT_IGNORED\r\n"), uint16(0))
	f.Add([]byte{15, 16}, []byte("KICKED 3\r\nKICKED\r\n"), uint16(9))
	f.Add([]byte{0, 6, 7}, []byte("BURIED 4\r\nBURIED\r\nBURIED\r\n"), uint16(5))
	f.Add([]byte{3}, []byte("RESERVED 1 99999\r\n"), uint16(2))
	f.Add([]byte{5}, []byte("DELETED\nDRAINING\r\n"), uint16(1))
	f.Add([]byte{11}, []byte("FOUND 18446744073709551615 0\r\n\r\n"), uint16(40))
	f.Fuzz(func(t *testing.T, kinds, data []byte, split uint16) {
		if len(kinds) == 0 {
			kinds = []byte{0}
		}
		whole := transcript(t, kinds, data)
		at := 0
		if len(data) > 0 {
			at = int(split) % (len(data) + 1)
		}
		parts := transcript(t, kinds, data[:at], data[at:])
		if !reflect.DeepEqual(whole, parts) {
			t.Fatalf("split at %d changes the result:\nwhole %q\nsplit %q", at, whole, parts)
		}
		if len(data) <= 512 {
			var bytewise [][]byte
			for i := range data {
				bytewise = append(bytewise, data[i:i+1])
			}
			if got := transcript(t, kinds, bytewise...); !reflect.DeepEqual(whole, got) {
				t.Fatalf("byte-wise feed changes the result:\nwhole %q\nbytes %q", whole, got)
			}
		}
	})
}

// encodeYAMLMap writes m in the subset's syntax with every value double
// quoted, for round trips.
func encodeYAMLMap(keys []string, m map[string]string) []byte {
	r := strings.NewReplacer("\\", "\\\\", "\"", "\\\"", "\n", "\\n", "\r", "\\r", "\t", "\\t", "\x00", "\\0")
	var b strings.Builder
	b.WriteString("---\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: \"%s\"\n", k, r.Replace(m[k]))
	}
	return []byte(b.String())
}

func FuzzStatsYAML(f *testing.F) {
	for _, name := range []string{"stats.yaml", "stats-tube.yaml", "stats-job.yaml", "list-tubes.yaml"} {
		f.Add(readSample(f, name))
	}
	f.Add([]byte("---\nid: \"a\\\"b\"\nx: 'it''s'\n"))
	f.Add([]byte("---\r\n- a\r\n-\r\n"))
	f.Add([]byte("---\nrusage-utime: 0.0000001\ndraining: maybe\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseStatsMap(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedYAML) {
				t.Fatalf("ParseStatsMap: untyped error %v", err)
			}
		} else {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			back, err := ParseStatsMap(encodeYAMLMap(keys, m))
			if err != nil || !reflect.DeepEqual(back, m) {
				t.Fatalf("round trip: %v\n%q\n%q", err, m, back)
			}
		}
		check := func(name string, raw map[string]string, err error) {
			if err != nil {
				if !errors.Is(err, ErrMalformedYAML) {
					t.Fatalf("%s: untyped error %v", name, err)
				}
				return
			}
			if !reflect.DeepEqual(raw, m) {
				t.Fatalf("%s: Raw differs from ParseStatsMap", name)
			}
		}
		js, err := ParseJobStats(data)
		check("ParseJobStats", js.Raw, err)
		ts, err := ParseTubeStats(data)
		check("ParseTubeStats", ts.Raw, err)
		ss, err := ParseServerStats(data)
		check("ParseServerStats", ss.Raw, err)

		list, err := ParseTubeList(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedYAML) {
				t.Fatalf("ParseTubeList: untyped error %v", err)
			}
			return
		}
		for _, item := range list {
			if item == "" {
				t.Fatal("ParseTubeList returned an empty item")
			}
		}
	})
}
