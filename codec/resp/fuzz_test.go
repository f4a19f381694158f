package resp_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
)

// Small limits, so that the fuzzer reaches them.
const (
	fuzzMaxBulk  = 1 << 10
	fuzzMaxElems = 64
	fuzzMaxDepth = 8
	fuzzMaxLine  = 256
)

func fuzzDecoder() *resp.Decoder {
	return resp.NewDecoder(resp.MaxBulkLen(fuzzMaxBulk), resp.MaxElements(fuzzMaxElems),
		resp.MaxDepth(fuzzMaxDepth), resp.MaxLineLen(fuzzMaxLine))
}

// FuzzDecoder checks that no input makes the decoder panic, that Decode
// never claims more bytes than it was given, that every way of feeding the
// input (whole, Decode value by value, split in two, byte by byte) gives
// the same values and the same error, that the limits hold, and that every
// value decoded re-encodes to itself.
func FuzzDecoder(f *testing.F) {
	for _, c := range allCases() {
		f.Add([]byte(c.in))
	}
	f.Add(resp.AppendValue(nil, resp.ArrayOf(roundTripValues()[:20]...)))
	f.Fuzz(func(t *testing.T, in []byte) {
		whole, wholeErr := drain(fuzzDecoder(), in)
		if wholeErr == nil {
			t.Fatal("Next returned a nil error at the end of the input")
		}

		decoded, used, decErr := decodeAll(fuzzDecoder(), in)
		if used > len(in) {
			t.Fatalf("Decode used %d of %d bytes", used, len(in))
		}
		if !sameVals(decoded, whole) || !sameKind(decErr, wholeErr) {
			t.Fatalf("Decode gave %v, %v; Next gave %v, %v", decoded, decErr, whole, wholeErr)
		}

		split := 0
		if len(in) > 0 {
			split = int(in[0]) % (len(in) + 1)
		}
		got, err := drain(fuzzDecoder(), in[:split], in[split:])
		if !sameVals(got, whole) || !sameErr(err, wholeErr) {
			t.Fatalf("split at %d gave %v, %v; whole gave %v, %v", split, got, err, whole, wholeErr)
		}
		if len(in) <= 512 {
			pieces := make([][]byte, len(in))
			for i := range in {
				pieces[i] = in[i : i+1]
			}
			got, err := drain(fuzzDecoder(), pieces...)
			if !sameVals(got, whole) || !sameErr(err, wholeErr) {
				t.Fatalf("byte by byte gave %v, %v; whole gave %v, %v", got, err, whole, wholeErr)
			}
		}

		var d resp.Decoder
		for _, v := range whole {
			checkLimits(t, v, 0)
			wire := resp.AppendValue(nil, v)
			back, n, err := d.Decode(wire)
			if err != nil || n != len(wire) || !back.Equal(v) {
				t.Fatalf("re-encoding %v gave %q, which decodes to %v, %d, %v", v, wire, back, n, err)
			}
		}
	})
}

// sameKind reports whether a and b are the same kind of outcome, whatever
// their offsets (Decode counts offsets from the start of each value).
func sameKind(a, b error) bool {
	switch {
	case a == resp.ErrNeedMore || b == resp.ErrNeedMore:
		return a == b
	case errors.Is(a, resp.ErrProtocol):
		return errors.Is(b, resp.ErrProtocol)
	case errors.Is(a, resp.ErrLimit):
		return errors.Is(b, resp.ErrLimit)
	}
	return false
}

func checkLimits(t *testing.T, v resp.Value, depth int) {
	t.Helper()
	if v.HasAttrs() {
		checkLimits(t, resp.MapOf(v.Attrs()...), depth)
	}
	if v.Len() > 0 || v.Type() == resp.TypeArray || v.Type() == resp.TypeMap ||
		v.Type() == resp.TypeSet || v.Type() == resp.TypePush {
		if !v.IsNull() {
			depth++
		}
	}
	if depth > fuzzMaxDepth || v.Len() > fuzzMaxElems {
		t.Fatalf("value beyond limits: depth %d, %d elements", depth, v.Len())
	}
	if b, err := v.Bytes(); err == nil && len(b) > fuzzMaxBulk {
		t.Fatalf("string of %d bytes", len(b))
	}
	for _, e := range v.Elems() {
		checkLimits(t, e, depth)
	}
}

// gen builds a Value from fuzz bytes.
type gen struct{ b []byte }

func (g *gen) next() byte {
	if len(g.b) == 0 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return c
}

func (g *gen) str() string {
	n := min(int(g.next())%24, len(g.b))
	s := string(g.b[:n])
	g.b = g.b[n:]
	return s
}

func (g *gen) value(depth int) resp.Value {
	var v resp.Value
	k := g.next()
	switch k % 20 {
	case 0:
		v = resp.SimpleString(strings.NewReplacer("\r", " ", "\n", " ").Replace(g.str()))
	case 1:
		v = resp.SimpleError(strings.NewReplacer("\r", " ", "\n", " ").Replace(g.str()))
	case 2:
		v = resp.Integer(int64(g.next())<<56 | int64(g.next())<<8 | int64(g.next()) - 1000)
	case 3:
		v = resp.BulkString(g.str())
	case 4:
		v = resp.NullBulk()
	case 5:
		v = resp.NullArray()
	case 6:
		v = resp.Null()
	case 7:
		v = resp.Bool(g.next()%2 == 0)
	case 8:
		var bits uint64
		for range 8 {
			bits = bits<<8 | uint64(g.next())
		}
		v = resp.Double(math.Float64frombits(bits))
	case 9:
		v = resp.BigNumber(strings.Repeat("9", 1+int(g.next())%40))
	case 10:
		v = resp.BulkError(g.str())
	case 11:
		v = resp.Verbatim(g.str(), g.str())
	default:
		n := 0
		if depth < 5 {
			n = int(g.next()) % 5
		}
		elems := make([]resp.Value, n)
		for i := range elems {
			elems[i] = g.value(depth + 1)
		}
		switch k % 20 {
		case 12, 13:
			v = resp.ArrayOf(elems...)
		case 14:
			v = resp.SetOf(elems...)
		case 15, 16:
			v = resp.MapOf(elems...)
		default:
			v = resp.PushOf(elems...)
		}
	}
	if k >= 240 && depth < 5 {
		v = v.WithAttrs(g.value(depth+1), g.value(depth+1))
	}
	return v
}

// FuzzRoundTrip builds values and commands from the input, encodes them,
// and checks that decoding (whole and split) gives them back.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x00\x05hello"))
	f.Add([]byte("\x0c\x03\x03\x02abc\x02\x00\x00\x07\x06\x01"))
	f.Add([]byte("\xf0\x0f\x04\x00\x01\x02\x03\x06\x07\x09\x08\x0b\x03txt\x02hi"))
	f.Add([]byte("\x08\x7f\xf8\x00\x00\x00\x00\x00\x01\x0d\x02\x04\x05"))
	f.Fuzz(func(t *testing.T, in []byte) {
		g := &gen{b: in}
		v := g.value(0)
		wire := resp.AppendValue(nil, v)
		var d resp.Decoder
		got, n, err := d.Decode(wire)
		if err != nil || n != len(wire) || !got.Equal(v) {
			t.Fatalf("%v encoded as %q decodes to %v, %d of %d bytes, %v", v, wire, got, n, len(wire), err)
		}
		split := len(wire) / 2
		if len(in) > 0 {
			split = int(in[len(in)-1]) % (len(wire) + 1)
		}
		vals, err := drain(resp.NewDecoder(), wire[:split], wire[split:])
		if err != resp.ErrNeedMore || len(vals) != 1 || !vals[0].Equal(v) {
			t.Fatalf("split at %d: %v, %v", split, vals, err)
		}

		// The input as command arguments, split at zero bytes.
		args := strings.Split(string(in), "\x00")
		cmd := resp.AppendCommand(nil, args...)
		var built resp.Command
		for i, a := range args {
			if i%2 == 0 {
				built.Str(a)
			} else {
				built.Bytes([]byte(a))
			}
		}
		if b := built.Finish(); string(b) != string(cmd) && len(args) > 0 {
			t.Fatalf("Command built %q, AppendCommand %q", b, cmd)
		}
		got, n, err = d.Decode(cmd)
		if err != nil || n != len(cmd) || got.Len() != len(args) {
			t.Fatalf("command %q decodes to %v, %v", cmd, got, err)
		}
		for i, e := range got.Elems() {
			if s, err := e.Str(); err != nil || s != args[i] || e.Type() != resp.TypeBulkString {
				t.Fatalf("argument %d: %q, %v, want %q", i, s, err, args[i])
			}
		}
	})
}
