package resp_test

import (
	"math"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
)

// roundTripValues covers every type, the null forms, empty and nested
// aggregates, and attributes at several levels.
func roundTripValues() []resp.Value {
	vals := []resp.Value{
		ss(""), ss("OK"), resp.SimpleError("ERR bad"), resp.BulkError("SYNTAX\r\nbinary"),
		num(0), num(math.MaxInt64), num(math.MinInt64),
		bs(""), bs("\x00\r\n\xff"), bs(strings.Repeat("x", 1000)), resp.NullBulk(), resp.NullArray(), resp.Null(),
		resp.Bool(true), resp.Bool(false),
		resp.Double(0), resp.Double(math.Copysign(0, -1)), resp.Double(-1.25e-300), resp.Double(math.MaxFloat64),
		resp.Double(math.SmallestNonzeroFloat64), resp.Double(math.Inf(1)), resp.Double(math.Inf(-1)), resp.Double(math.NaN()),
		resp.BigNumber("0"), resp.BigNumber("-98765432109876543210987654321"),
		resp.Verbatim("txt", ""), resp.Verbatim("mkd", "# Title\r\n\r\ntext"),
		resp.ArrayOf(), resp.SetOf(), resp.MapOf(), resp.PushOf(),
		resp.ArrayOf(resp.ArrayOf(resp.ArrayOf(num(1))), resp.NullArray(), resp.NullBulk()),
		resp.MapOf(bs("a"), resp.MapOf(bs("b"), resp.SetOf(resp.Bool(true))), num(1), resp.ArrayOf()),
		resp.PushOf(bs("message"), bs("chan"), bs("payload")),
	}
	withAttrs := resp.MapOf(
		ss("k").WithAttrs(ss("a"), num(1)),
		resp.ArrayOf(num(1).WithAttrs(), resp.Null().WithAttrs(ss("x"), resp.MapOf(ss("y"), num(2)).WithAttrs(ss("z"), num(3)))),
	).WithAttrs(ss("top"), resp.Double(0.5))
	return append(vals, withAttrs, resp.ArrayOf(vals...), resp.SetOf(vals...), resp.PushOf(vals...))
}

func TestRoundTrip(t *testing.T) {
	var d resp.Decoder
	for _, v := range roundTripValues() {
		wire := resp.AppendValue(nil, v)
		got, n, err := d.Decode(wire)
		if err != nil || n != len(wire) || !got.Equal(v) {
			t.Errorf("round trip of %v: got %v, %d of %d bytes, %v", v, got, n, len(wire), err)
		}
		// Encoding the decoded value gives the same bytes.
		if again := resp.AppendValue(nil, got); string(again) != string(wire) {
			t.Errorf("re-encoding %v: %q, want %q", v, again, wire)
		}
	}
}

// TestRoundTripPipeline encodes every value into one stream and decodes it
// split at every offset.
func TestRoundTripPipeline(t *testing.T) {
	vals := roundTripValues()
	var wire []byte
	for _, v := range vals {
		wire = resp.AppendValue(wire, v)
	}
	for i := 0; i <= len(wire); i += 7 {
		got, err := drain(resp.NewDecoder(), wire[:i], wire[i:])
		if err != resp.ErrNeedMore || !sameVals(got, vals) {
			t.Fatalf("split at %d: %d values, %v", i, len(got), err)
		}
	}
}

func TestEqual(t *testing.T) {
	distinct := []resp.Value{
		{}, ss("a"), bs("a"), resp.SimpleError("a"), resp.BulkError("a"), resp.BigNumber("1"), num(1),
		resp.Double(1), resp.Bool(true), resp.Null(), resp.NullBulk(), resp.NullArray(), resp.ArrayOf(),
		resp.SetOf(), resp.MapOf(), resp.PushOf(), resp.ArrayOf(num(1)), resp.ArrayOf(num(2)),
		resp.ArrayOf(num(1), num(1)), num(1).WithAttrs(), num(1).WithAttrs(ss("a"), num(1)),
		num(1).WithAttrs(ss("a"), num(2)), resp.Verbatim("txt", "a"), resp.Verbatim("mkd", "a"),
	}
	for i, a := range distinct {
		for j, b := range distinct {
			if a.Equal(b) != (i == j) {
				t.Errorf("%v.Equal(%v) = %v", a, b, a.Equal(b))
			}
		}
	}
	if !resp.Double(math.NaN()).Equal(resp.Double(math.NaN())) || !resp.Double(0).Equal(resp.Double(math.Copysign(0, -1))) {
		t.Errorf("double equality")
	}
	if !bs("").Equal(resp.Bulk(nil)) {
		t.Errorf("empty and nil strings differ")
	}
}

func TestString(t *testing.T) {
	for _, c := range []struct {
		v    resp.Value
		want string
	}{
		{ss("OK"), `"OK"`},
		{bs("a\nb"), `"a\nb"`},
		{resp.SimpleError("ERR x"), `(error) "ERR x"`},
		{num(-3), "-3"},
		{resp.Double(3), "3.0"},
		{resp.Double(1.5), "1.5"},
		{resp.Double(math.Inf(-1)), "-inf"},
		{resp.Double(1e21), "1e+21"},
		{resp.Bool(false), "false"},
		{resp.Null(), "nil"},
		{resp.NullBulk(), "nil"},
		{resp.BigNumber("123"), "123n"},
		{resp.Verbatim("txt", "hi"), `txt:"hi"`},
		{resp.ArrayOf(num(1), bs("x")), `[1, "x"]`},
		{resp.SetOf(num(1)), "~[1]"},
		{resp.PushOf(bs("message")), `>["message"]`},
		{resp.MapOf(ss("k"), num(1), ss("j"), resp.ArrayOf()), `{"k": 1, "j": []}`},
		{num(1).WithAttrs(ss("ttl"), num(60)), `|{"ttl": 60}| 1`},
		{resp.Value{}, "(invalid)"},
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("String() = %s, want %s", got, c.want)
		}
	}
}

func TestTypeString(t *testing.T) {
	names := map[resp.Type]string{
		resp.TypeSimpleString: "simple string", resp.TypeSimpleError: "simple error", resp.TypeInteger: "integer",
		resp.TypeBulkString: "bulk string", resp.TypeArray: "array", resp.TypeNull: "null", resp.TypeBoolean: "boolean",
		resp.TypeDouble: "double", resp.TypeBigNumber: "big number", resp.TypeBulkError: "bulk error",
		resp.TypeVerbatim: "verbatim string", resp.TypeMap: "map", resp.TypeSet: "set",
		resp.TypeAttribute: "attribute", resp.TypePush: "push", 0: "invalid", 'x': "invalid",
	}
	for typ, want := range names {
		if typ.String() != want {
			t.Errorf("Type(%q).String() = %q, want %q", byte(typ), typ.String(), want)
		}
	}
}
