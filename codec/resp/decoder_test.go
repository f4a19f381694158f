package resp_test

import (
	"errors"
	"math"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
)

type decodeCase struct {
	name string
	in   string
	want []resp.Value
	err  error // nil: input ends cleanly; else ErrNeedMore, ErrProtocol or ErrLimit
}

var (
	bs  = resp.BulkString
	ss  = resp.SimpleString
	num = resp.Integer
)

var validCases = []decodeCase{
	{"simple string", "+OK\r\n", []resp.Value{ss("OK")}, nil},
	{"empty simple string", "+\r\n", []resp.Value{ss("")}, nil},
	{"simple error", "-ERR unknown command\r\n", []resp.Value{resp.SimpleError("ERR unknown command")}, nil},
	{"integer", ":1000\r\n", []resp.Value{num(1000)}, nil},
	{"zero", ":0\r\n", []resp.Value{num(0)}, nil},
	{"negative", ":-42\r\n", []resp.Value{num(-42)}, nil},
	{"plus sign", ":+7\r\n", []resp.Value{num(7)}, nil},
	{"max int64", ":9223372036854775807\r\n", []resp.Value{num(math.MaxInt64)}, nil},
	{"min int64", ":-9223372036854775808\r\n", []resp.Value{num(math.MinInt64)}, nil},
	{"bulk string", "$5\r\nhello\r\n", []resp.Value{bs("hello")}, nil},
	{"empty bulk", "$0\r\n\r\n", []resp.Value{bs("")}, nil},
	{"binary bulk", "$4\r\n\r\n\x00\xff\r\n", []resp.Value{bs("\r\n\x00\xff")}, nil},
	{"null bulk", "$-1\r\n", []resp.Value{resp.NullBulk()}, nil},
	{"array", "*2\r\n$3\r\nfoo\r\n:1\r\n", []resp.Value{resp.ArrayOf(bs("foo"), num(1))}, nil},
	{"empty array", "*0\r\n", []resp.Value{resp.ArrayOf()}, nil},
	{"null array", "*-1\r\n", []resp.Value{resp.NullArray()}, nil},
	{"nested arrays", "*3\r\n*1\r\n:1\r\n*0\r\n*-1\r\n",
		[]resp.Value{resp.ArrayOf(resp.ArrayOf(num(1)), resp.ArrayOf(), resp.NullArray())}, nil},
	{"null in array", "*3\r\n$-1\r\n_\r\n:1\r\n", []resp.Value{resp.ArrayOf(resp.NullBulk(), resp.Null(), num(1))}, nil},
	{"null", "_\r\n", []resp.Value{resp.Null()}, nil},
	{"true", "#t\r\n", []resp.Value{resp.Bool(true)}, nil},
	{"false", "#f\r\n", []resp.Value{resp.Bool(false)}, nil},
	{"double", ",1.5\r\n", []resp.Value{resp.Double(1.5)}, nil},
	{"double integral", ",10\r\n", []resp.Value{resp.Double(10)}, nil},
	{"double exponent", ",1.5E-3\r\n", []resp.Value{resp.Double(0.0015)}, nil},
	{"double exponent sign", ",-2e+10\r\n", []resp.Value{resp.Double(-2e10)}, nil},
	{"double negative zero", ",-0\r\n", []resp.Value{resp.Double(math.Copysign(0, -1))}, nil},
	{"double inf", ",inf\r\n", []resp.Value{resp.Double(math.Inf(1))}, nil},
	{"double -inf", ",-inf\r\n", []resp.Value{resp.Double(math.Inf(-1))}, nil},
	{"double nan", ",nan\r\n", []resp.Value{resp.Double(math.NaN())}, nil},
	{"double old nan", ",-nan\r\n", []resp.Value{resp.Double(math.NaN())}, nil},
	{"double NAN", ",NAN\r\n", []resp.Value{resp.Double(math.NaN())}, nil},
	{"double overflow", ",1e999\r\n", []resp.Value{resp.Double(math.Inf(1))}, nil},
	{"big number", "(3492890328409238509324850943850943825024385\r\n",
		[]resp.Value{resp.BigNumber("3492890328409238509324850943850943825024385")}, nil},
	{"negative big number", "(-12345678901234567890\r\n", []resp.Value{resp.BigNumber("-12345678901234567890")}, nil},
	{"bulk error", "!21\r\nSYNTAX invalid syntax\r\n", []resp.Value{resp.BulkError("SYNTAX invalid syntax")}, nil},
	{"verbatim", "=15\r\ntxt:Some string\r\n", []resp.Value{resp.Verbatim("txt", "Some string")}, nil},
	{"empty verbatim", "=4\r\nmkd:\r\n", []resp.Value{resp.Verbatim("mkd", "")}, nil},
	{"map", "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
		[]resp.Value{resp.MapOf(ss("first"), num(1), ss("second"), num(2))}, nil},
	{"empty map", "%0\r\n", []resp.Value{resp.MapOf()}, nil},
	{"set", "~3\r\n+orange\r\n+apple\r\n#t\r\n", []resp.Value{resp.SetOf(ss("orange"), ss("apple"), resp.Bool(true))}, nil},
	{"empty set", "~0\r\n", []resp.Value{resp.SetOf()}, nil},
	{"push", ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
		[]resp.Value{resp.PushOf(bs("message"), bs("ch"), bs("hi"))}, nil},
	{"empty push", ">0\r\n", []resp.Value{resp.PushOf()}, nil},
	{"attribute on reply",
		"|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
		[]resp.Value{resp.ArrayOf(num(2039123), num(9543892)).WithAttrs(
			ss("key-popularity"), resp.MapOf(bs("a"), resp.Double(0.1923), bs("b"), resp.Double(0.0012)))}, nil},
	{"attribute on element", "*3\r\n:1\r\n:2\r\n|1\r\n+ttl\r\n:3600\r\n:3\r\n",
		[]resp.Value{resp.ArrayOf(num(1), num(2), num(3).WithAttrs(ss("ttl"), num(3600)))}, nil},
	{"empty attribute", "|0\r\n+OK\r\n", []resp.Value{ss("OK").WithAttrs()}, nil},
	{"nested maps with attributes",
		"%2\r\n|1\r\n+a\r\n+b\r\n+key\r\n%1\r\n+inner\r\n|1\r\n+x\r\n|1\r\n+y\r\n:1\r\n:2\r\n*0\r\n+k2\r\n%0\r\n",
		[]resp.Value{resp.MapOf(
			ss("key").WithAttrs(ss("a"), ss("b")),
			resp.MapOf(ss("inner"), resp.ArrayOf().WithAttrs(ss("x"), num(2).WithAttrs(ss("y"), num(1)))),
			ss("k2"), resp.MapOf())}, nil},
	{"attribute on push", "|1\r\n+a\r\n:1\r\n>1\r\n+invalidate\r\n",
		[]resp.Value{resp.PushOf(ss("invalidate")).WithAttrs(ss("a"), num(1))}, nil},
	{"streamed string", "$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n", []resp.Value{bs("Hello word")}, nil},
	{"empty streamed string", "$?\r\n;0\r\n", []resp.Value{bs("")}, nil},
	{"streamed array", "*?\r\n:1\r\n:2\r\n:3\r\n.\r\n", []resp.Value{resp.ArrayOf(num(1), num(2), num(3))}, nil},
	{"empty streamed set", "~?\r\n.\r\n", []resp.Value{resp.SetOf()}, nil},
	{"streamed map", "%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n", []resp.Value{resp.MapOf(ss("a"), num(1), ss("b"), num(2))}, nil},
	{"nested streamed", "*?\r\n$?\r\n;2\r\nab\r\n;0\r\n*?\r\n.\r\n$?\r\n;1\r\nc\r\n;0\r\n.\r\n",
		[]resp.Value{resp.ArrayOf(bs("ab"), resp.ArrayOf(), bs("c"))}, nil},
	{"pipelined", "+OK\r\n:1\r\n$1\r\na\r\n>2\r\n+message\r\n+x\r\n*1\r\n+b\r\n",
		[]resp.Value{ss("OK"), num(1), bs("a"), resp.PushOf(ss("message"), ss("x")), resp.ArrayOf(ss("b"))}, nil},
	{"leading zeros", "$03\r\nabc\r\n", []resp.Value{bs("abc")}, nil},
}

var incompleteCases = []decodeCase{
	{"empty", "", nil, resp.ErrNeedMore},
	{"no CRLF", "+OK", nil, resp.ErrNeedMore},
	{"no LF", "+OK\r", nil, resp.ErrNeedMore},
	{"short bulk", "$5\r\nhel", nil, resp.ErrNeedMore},
	{"bulk without CRLF", "$5\r\nhello", nil, resp.ErrNeedMore},
	{"short array", "*2\r\n:1\r\n", nil, resp.ErrNeedMore},
	{"attribute alone", "|1\r\n+a\r\n+b\r\n", nil, resp.ErrNeedMore},
	{"open streamed string", "$?\r\n;1\r\na\r\n", nil, resp.ErrNeedMore},
	{"open streamed array", "*?\r\n:1\r\n", nil, resp.ErrNeedMore},
	{"value then partial", "+OK\r\n:12", []resp.Value{ss("OK")}, resp.ErrNeedMore},
}

var badCases = []decodeCase{
	{"unknown type", "?\r\n", nil, resp.ErrProtocol},
	{"inline command", "PING\r\n", nil, resp.ErrProtocol},
	{"CR without LF", "+OK\rX\r\n", nil, resp.ErrProtocol},
	{"LF in simple string", "+O\nK\r\n", nil, resp.ErrProtocol},
	{"bad integer", ":abc\r\n", nil, resp.ErrProtocol},
	{"empty integer", ":\r\n", nil, resp.ErrProtocol},
	{"sign only", ":-\r\n", nil, resp.ErrProtocol},
	{"integer overflow", ":9223372036854775808\r\n", nil, resp.ErrProtocol},
	{"integer underflow", ":-9223372036854775809\r\n", nil, resp.ErrProtocol},
	{"integer space", ": 1\r\n", nil, resp.ErrProtocol},
	{"negative length", "$-2\r\n", nil, resp.ErrProtocol},
	{"minus zero length", "$-0\r\n", nil, resp.ErrProtocol},
	{"bad length", "$abc\r\n", nil, resp.ErrProtocol},
	{"empty length", "$\r\n", nil, resp.ErrProtocol},
	{"length overflow", "$99999999999999999999\r\n", nil, resp.ErrProtocol},
	{"bulk too long for data", "$3\r\nabcd\r\n", nil, resp.ErrProtocol},
	{"bulk missing CRLF", "$3\r\nabcXY", nil, resp.ErrProtocol},
	{"negative array", "*-2\r\n", nil, resp.ErrProtocol},
	{"null map", "%-1\r\n", nil, resp.ErrProtocol},
	{"null set", "~-1\r\n", nil, resp.ErrProtocol},
	{"null push", ">-1\r\n", nil, resp.ErrProtocol},
	{"null attribute", "|-1\r\n", nil, resp.ErrProtocol},
	{"null bulk error", "!-1\r\n", nil, resp.ErrProtocol},
	{"null verbatim", "=-1\r\n", nil, resp.ErrProtocol},
	{"bad null", "_x\r\n", nil, resp.ErrProtocol},
	{"bad boolean", "#x\r\n", nil, resp.ErrProtocol},
	{"empty boolean", "#\r\n", nil, resp.ErrProtocol},
	{"long boolean", "#tt\r\n", nil, resp.ErrProtocol},
	{"bad double", ",abc\r\n", nil, resp.ErrProtocol},
	{"double without integral part", ",.5\r\n", nil, resp.ErrProtocol},
	{"double two points", ",1.2.3\r\n", nil, resp.ErrProtocol},
	{"hex double", ",0x1p3\r\n", nil, resp.ErrProtocol},
	{"empty double", ",\r\n", nil, resp.ErrProtocol},
	{"fractional big number", "(1.5\r\n", nil, resp.ErrProtocol},
	{"empty big number", "(\r\n", nil, resp.ErrProtocol},
	{"short verbatim", "=3\r\ntxt\r\n", nil, resp.ErrProtocol},
	{"verbatim without colon", "=5\r\ntxt-a\r\n", nil, resp.ErrProtocol},
	{"end marker at top", ".\r\n", nil, resp.ErrProtocol},
	{"end marker in counted array", "*1\r\n.\r\n", nil, resp.ErrProtocol},
	{"bad end marker", "*?\r\n.x\r\n", nil, resp.ErrProtocol},
	{"chunk outside streamed string", ";3\r\nabc\r\n", nil, resp.ErrProtocol},
	{"value inside streamed string", "$?\r\n:1\r\n", nil, resp.ErrProtocol},
	{"negative chunk", "$?\r\n;-1\r\n", nil, resp.ErrProtocol},
	{"chunk missing CRLF", "$?\r\n;1\r\nab\r\n", nil, resp.ErrProtocol},
	{"streamed bulk error", "!?\r\n", nil, resp.ErrProtocol},
	{"streamed push", ">?\r\n", nil, resp.ErrProtocol},
	{"streamed attribute", "|?\r\n", nil, resp.ErrProtocol},
	{"odd streamed map", "%?\r\n+a\r\n.\r\n", nil, resp.ErrProtocol},
	{"attribute without value", "*?\r\n|1\r\n+a\r\n+b\r\n.\r\n", nil, resp.ErrProtocol},
	{"attribute after attribute", "|1\r\n+a\r\n+b\r\n|1\r\n+c\r\n+d\r\n+OK\r\n", nil, resp.ErrProtocol},
	{"bulk over 512 MiB", "$536870913\r\n", nil, resp.ErrLimit},
	{"array after values", "+OK\r\n*x\r\n", []resp.Value{ss("OK")}, resp.ErrProtocol},
}

func allCases() []decodeCase {
	var cs []decodeCase
	cs = append(cs, validCases...)
	cs = append(cs, incompleteCases...)
	return append(cs, badCases...)
}

func checkOutcome(t *testing.T, how string, c decodeCase, got []resp.Value, err error) {
	t.Helper()
	if !sameVals(got, c.want) {
		t.Errorf("%s: values = %v, want %v", how, got, c.want)
	}
	want := c.err
	if want == nil {
		want = resp.ErrNeedMore // clean end: Next needs more
	}
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", how, err, want)
	}
}

func TestDecoderTable(t *testing.T) {
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) {
			d := resp.NewDecoder()
			got, err := drain(d, []byte(c.in))
			checkOutcome(t, "Feed/Next", c, got, err)
			if c.err == nil {
				if eof := d.EOF(); eof != nil {
					t.Errorf("EOF after clean input = %v", eof)
				}
			}
			if c.err == resp.ErrNeedMore && c.in != "" {
				if eof := d.EOF(); !errors.Is(eof, resp.ErrUnexpectedEOF) {
					t.Errorf("EOF after partial input = %v, want ErrUnexpectedEOF", eof)
				}
			}

			var zero resp.Decoder // the zero Decoder works with defaults
			got, used, err := decodeAll(&zero, []byte(c.in))
			checkOutcome(t, "Decode", c, got, err)
			if c.err == nil && used != len(c.in) {
				t.Errorf("Decode used %d bytes of %d", used, len(c.in))
			}
		})
	}
}

// TestDecoderSplit feeds every input in two pieces, split at every byte
// offset, and then one byte at a time: the outcome must not change.
func TestDecoderSplit(t *testing.T) {
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) {
			in := []byte(c.in)
			whole, wholeErr := drain(resp.NewDecoder(), in)
			for i := 0; i <= len(in); i++ {
				got, err := drain(resp.NewDecoder(), in[:i], in[i:])
				checkOutcome(t, "split", c, got, err)
				if !sameErr(err, wholeErr) {
					t.Errorf("split at %d: err = %v, whole input gave %v", i, err, wholeErr)
				}
			}
			var bytes [][]byte
			for i := range in {
				bytes = append(bytes, in[i:i+1])
			}
			got, err := drain(resp.NewDecoder(), bytes...)
			checkOutcome(t, "byte by byte", c, got, err)
			if !sameVals(got, whole) || !sameErr(err, wholeErr) {
				t.Errorf("byte by byte: %v, %v; whole input gave %v, %v", got, err, whole, wholeErr)
			}
		})
	}
}

func TestDecoderErrorsAreSticky(t *testing.T) {
	d := resp.NewDecoder()
	d.Feed([]byte("+OK\r\n:x\r\n+later\r\n"))
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	_, err := d.Next()
	var pe *resp.ProtocolError
	if !errors.As(err, &pe) || pe.Offset != 5 {
		t.Fatalf("err = %v, want a protocol error at offset 5", err)
	}
	d.Feed([]byte("+more\r\n"))
	if _, err2 := d.Next(); err2 != err {
		t.Fatalf("second Next: %v, want the same error", err2)
	}
	if d.EOF() != err {
		t.Fatalf("EOF did not report the sticky error")
	}
	d.Reset()
	d.Feed([]byte("+fresh\r\n"))
	v, err := d.Next()
	if err != nil || !v.Equal(ss("fresh")) {
		t.Fatalf("after Reset: %v, %v", v, err)
	}
}

func TestProtocolErrorOffset(t *testing.T) {
	d := resp.NewDecoder()
	// The bad element is the second element of the second reply.
	_, err := drain(d, []byte("+OK\r\n*2\r\n:1\r\n:z\r\n"))
	var pe *resp.ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v", err)
	}
	if pe.Offset != 13 || pe.Reason != "bad integer" {
		t.Fatalf("offset %d reason %q, want 13 and bad integer", pe.Offset, pe.Reason)
	}
	if got := pe.Error(); got != "resp: protocol error at offset 13: bad integer" {
		t.Fatalf("Error() = %q", got)
	}
}

func TestDecodeLeavesTheRest(t *testing.T) {
	var d resp.Decoder
	in := []byte("*2\r\n$1\r\na\r\n$1\r\nb\r\n+next")
	v, n, err := d.Decode(in)
	if err != nil || n != 18 || !v.Equal(resp.ArrayOf(bs("a"), bs("b"))) {
		t.Fatalf("Decode = %v, %d, %v", v, n, err)
	}
	if _, n, err := d.Decode(in[n:]); err != resp.ErrNeedMore || n != 0 {
		t.Fatalf("Decode of a partial value = %d, %v", n, err)
	}
	// Strings alias the input.
	if b, _ := v.Elems()[0].Bytes(); &b[0] != &in[8] {
		t.Fatalf("bulk string was copied")
	}
}

// An error found once an aggregate is complete points at that aggregate,
// wherever the input was split: the fast path that reads a run of scalars
// at once must not move the offset to the end of the run.
func TestAggregateErrorOffset(t *testing.T) {
	for _, c := range []struct {
		name, in string
		opts     []resp.Option
		off      int64
	}{
		// The second attribute (at offset 10, and 16) is at fault.
		{"attribute after attribute", "|1\r\n+\r\n+\r\n|1\r\n+\r\n+\r\n:1\r\n", nil, 10},
		{"nested attribute after attribute", "*1\r\n|1\r\n+a\r\n+b\r\n|1\r\n+c\r\n*1\r\n:1\r\n:1\r\n", nil, 16},
		// The streamed array, at offset 0, has too many elements.
		{"streamed aggregate too long", "*?\r\n:1\r\n:2\r\n*1\r\n:3\r\n.\r\n", []resp.Option{resp.MaxElements(2)}, 0},
	} {
		in := []byte(c.in)
		ways := map[string][][]byte{"whole": {in}}
		var bytewise [][]byte
		for i := range in {
			bytewise = append(bytewise, in[i:i+1])
		}
		ways["byte by byte"] = bytewise
		for way, chunks := range ways {
			_, err := drain(resp.NewDecoder(c.opts...), chunks...)
			var pe *resp.ProtocolError
			var le *resp.LimitError
			switch {
			case errors.As(err, &pe):
				if pe.Offset != c.off {
					t.Errorf("%s, %s: %v, want offset %d", c.name, way, err, c.off)
				}
			case errors.As(err, &le):
				if le.Offset != c.off {
					t.Errorf("%s, %s: %v, want offset %d", c.name, way, err, c.off)
				}
			default:
				t.Errorf("%s, %s: err = %v", c.name, way, err)
			}
		}
	}
}
