package resp_test

import (
	"math"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
)

func TestAppendValue(t *testing.T) {
	for _, c := range []struct {
		v    resp.Value
		want string
	}{
		{ss("OK"), "+OK\r\n"},
		{ss("a\r\nb"), "+a  b\r\n"}, // CR and LF cannot be sent in a simple string
		{resp.SimpleError("ERR x\ny"), "-ERR x y\r\n"},
		{num(-5), ":-5\r\n"},
		{bs("a\r\n"), "$3\r\na\r\n\r\n"},
		{resp.Bulk(nil), "$0\r\n\r\n"},
		{resp.NullBulk(), "$-1\r\n"},
		{resp.NullArray(), "*-1\r\n"},
		{resp.Null(), "_\r\n"},
		{resp.Value{}, "_\r\n"},
		{resp.Bool(true), "#t\r\n"},
		{resp.Bool(false), "#f\r\n"},
		{resp.Double(1.5), ",1.5\r\n"},
		{resp.Double(10), ",10\r\n"},
		{resp.Double(1e300), ",1e+300\r\n"},
		{resp.Double(math.Inf(1)), ",inf\r\n"},
		{resp.Double(math.Inf(-1)), ",-inf\r\n"},
		{resp.Double(math.NaN()), ",nan\r\n"},
		{resp.BigNumber("-123456789012345678901234567890"), "(-123456789012345678901234567890\r\n"},
		{resp.BulkError("SYNTAX bad"), "!10\r\nSYNTAX bad\r\n"},
		{resp.Verbatim("mkd", "# hi"), "=8\r\nmkd:# hi\r\n"},
		{resp.Verbatim("toolong", "x"), "=5\r\ntxt:x\r\n"},
		{resp.ArrayOf(), "*0\r\n"},
		{resp.ArrayOf(num(1), bs("a")), "*2\r\n:1\r\n$1\r\na\r\n"},
		{resp.SetOf(num(1)), "~1\r\n:1\r\n"},
		{resp.PushOf(bs("message")), ">1\r\n$7\r\nmessage\r\n"},
		{resp.MapOf(ss("k"), num(1)), "%1\r\n+k\r\n:1\r\n"},
		{resp.MapOf(ss("k")), "%1\r\n+k\r\n_\r\n"},
		{num(1).WithAttrs(ss("ttl"), num(60)), "|1\r\n+ttl\r\n:60\r\n:1\r\n"},
		{resp.ArrayOf(num(1).WithAttrs()), "*1\r\n|0\r\n:1\r\n"},
	} {
		if got := string(resp.AppendValue([]byte("<"), c.v)); got != "<"+c.want {
			t.Errorf("AppendValue(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestAppendScalars(t *testing.T) {
	var b []byte
	b = resp.AppendSimpleString(b, "OK")
	b = resp.AppendSimpleError(b, "ERR\r")
	b = resp.AppendInt(b, 12)
	b = resp.AppendBulk(b, []byte("ab"))
	b = resp.AppendBulkString(b, "")
	b = resp.AppendNull(b)
	b = resp.AppendBool(b, true)
	b = resp.AppendDouble(b, -0.25)
	b = resp.AppendHeader(b, resp.TypeMap, 1)
	b = resp.AppendHeader(b, resp.TypeArray, 12)
	b = resp.AppendHeader(b, resp.TypeInteger, 3) // not an aggregate: nothing
	want := "+OK\r\n-ERR \r\n:12\r\n$2\r\nab\r\n$0\r\n\r\n_\r\n#t\r\n,-0.25\r\n%1\r\n*12\r\n"
	if string(b) != want {
		t.Fatalf("got %q\nwant %q", b, want)
	}
}
