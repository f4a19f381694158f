package resp_test

import (
	"errors"
	"math"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
)

// decode1 decodes the single value in s.
func decode1(t *testing.T, s string) resp.Value {
	t.Helper()
	var d resp.Decoder
	v, n, err := d.Decode([]byte(s))
	if err != nil || n != len(s) {
		t.Fatalf("Decode(%q) = %v, %d, %v", s, v, n, err)
	}
	return v.Clone()
}

func TestStr(t *testing.T) {
	for in, want := range map[string]string{
		"+OK\r\n":                    "OK",
		"$3\r\nabc\r\n":              "abc",
		"=8\r\ntxt:text\r\n":         "text",
		"(123456789012345678901\r\n": "123456789012345678901",
		":-7\r\n":                    "-7",
		",2.5\r\n":                   "2.5",
		",inf\r\n":                   "inf",
	} {
		got, err := decode1(t, in).Str()
		if err != nil || got != want {
			t.Errorf("Str of %q = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestAccessorErrors(t *testing.T) {
	errReply := decode1(t, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
	nulls := []resp.Value{decode1(t, "_\r\n"), decode1(t, "$-1\r\n"), decode1(t, "*-1\r\n")}
	arr := decode1(t, "*1\r\n:1\r\n")
	calls := map[string]func(resp.Value) error{
		"Str":    func(v resp.Value) error { _, err := v.Str(); return err },
		"Bytes":  func(v resp.Value) error { _, err := v.Bytes(); return err },
		"Int":    func(v resp.Value) error { _, err := v.Int(); return err },
		"Float":  func(v resp.Value) error { _, err := v.Float(); return err },
		"Bool":   func(v resp.Value) error { _, err := v.Bool(); return err },
		"BigInt": func(v resp.Value) error { _, err := v.BigInt(); return err },
		"Array":  func(v resp.Value) error { _, err := v.Array(); return err },
		"Map":    func(v resp.Value) error { _, err := v.Map(); return err },
	}
	for name, call := range calls {
		var re *resp.RedisError
		if err := call(errReply); !errors.As(err, &re) || re.Code != "WRONGTYPE" {
			t.Errorf("%s on an error reply: %v", name, err)
		}
		for _, n := range nulls {
			if err := call(n); err != resp.ErrNil {
				t.Errorf("%s on %v: %v, want ErrNil", name, n, err)
			}
		}
		want := name != "Array" // Map refuses an array of odd length
		var te *resp.TypeError
		if err := call(arr); errors.As(err, &te) != want || want && !errors.Is(err, resp.ErrType) {
			t.Errorf("%s on an array: %v", name, err)
		}
	}
	var te *resp.TypeError
	if _, err := decode1(t, "$2\r\nab\r\n").Int(); !errors.As(err, &te) || te.Got != resp.TypeBulkString || te.Want != "integer" {
		t.Errorf("Int on a non-numeric string: %v", err)
	} else if te.Error() != "resp: cannot read bulk string as integer" {
		t.Errorf("TypeError.Error() = %q", te.Error())
	}
	if _, err := decode1(t, "*1\r\n:1\r\n").Map(); err == nil {
		t.Errorf("Map accepted an array of odd length")
	}
}

func TestNumbers(t *testing.T) {
	ints := map[string]int64{
		":42\r\n": 42, "#t\r\n": 1, "#f\r\n": 0, ",3\r\n": 3, ",-0\r\n": 0,
		"$3\r\n-17\r\n": -17, "+12\r\n": 12, "(99\r\n": 99,
	}
	for in, want := range ints {
		if got, err := decode1(t, in).Int(); err != nil || got != want {
			t.Errorf("Int of %q = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{",1.5\r\n", ",inf\r\n", ",nan\r\n", ",1e30\r\n", "$3\r\n1.5\r\n", "(99999999999999999999\r\n"} {
		if _, err := decode1(t, in).Int(); !errors.Is(err, resp.ErrType) {
			t.Errorf("Int of %q: %v, want a TypeError", in, err)
		}
	}
	floats := map[string]float64{
		",1.5\r\n": 1.5, ":3\r\n": 3, "$4\r\n-2.5\r\n": -2.5, "$3\r\ninf\r\n": math.Inf(1), "+-inf\r\n": math.Inf(-1),
	}
	for in, want := range floats {
		if got, err := decode1(t, in).Float(); err != nil || got != want {
			t.Errorf("Float of %q = %v, %v; want %v", in, got, err, want)
		}
	}
	if f, err := decode1(t, ",nan\r\n").Float(); err != nil || !math.IsNaN(f) {
		t.Errorf("Float of nan = %v, %v", f, err)
	}
	if _, err := decode1(t, "$3\r\nabc\r\n").Float(); !errors.Is(err, resp.ErrType) {
		t.Errorf("Float of abc: %v", err)
	}
	for in, want := range map[string]bool{"#t\r\n": true, "#f\r\n": false, ":1\r\n": true, ":0\r\n": false} {
		if got, err := decode1(t, in).Bool(); err != nil || got != want {
			t.Errorf("Bool of %q = %v, %v", in, got, err)
		}
	}
	n, err := decode1(t, "(-3492890328409238509324850943850943825024385\r\n").BigInt()
	if err != nil || n.String() != "-3492890328409238509324850943850943825024385" {
		t.Errorf("BigInt = %v, %v", n, err)
	}
	if n, err := decode1(t, ":-5\r\n").BigInt(); err != nil || n.Int64() != -5 {
		t.Errorf("BigInt of an integer = %v, %v", n, err)
	}
}

func TestAggregates(t *testing.T) {
	m := decode1(t, "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n")
	kv, err := m.Map()
	if err != nil || len(kv) != 4 || m.Len() != 4 {
		t.Fatalf("Map = %v, %v", kv, err)
	}
	if k, _ := kv[2].Str(); k != "b" {
		t.Errorf("second key %q", k)
	}
	if _, err := m.Array(); !errors.Is(err, resp.ErrType) {
		t.Errorf("Array of a map: %v", err)
	}
	// RESP2 HGETALL: a flat array of even length.
	if kv, err := decode1(t, "*2\r\n$1\r\nf\r\n$1\r\nv\r\n").Map(); err != nil || len(kv) != 2 {
		t.Errorf("Map of an even array = %v, %v", kv, err)
	}
	for _, in := range []string{"*1\r\n:1\r\n", "~1\r\n:1\r\n", ">1\r\n:1\r\n"} {
		if a, err := decode1(t, in).Array(); err != nil || len(a) != 1 {
			t.Errorf("Array of %q = %v, %v", in, a, err)
		}
	}
	if a, err := decode1(t, "*0\r\n").Array(); err != nil || len(a) != 0 {
		t.Errorf("Array of an empty array = %v, %v", a, err)
	}
	if e := decode1(t, ":1\r\n").Elems(); e != nil {
		t.Errorf("Elems of an integer = %v", e)
	}
}

func TestKinds(t *testing.T) {
	push := decode1(t, ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n")
	if !push.IsPush() || string(push.PushKind()) != "message" || push.Type() != resp.TypePush {
		t.Errorf("push: IsPush %v, kind %q", push.IsPush(), push.PushKind())
	}
	resp2 := decode1(t, "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n")
	if resp2.IsPush() || string(resp2.PushKind()) != "subscribe" {
		t.Errorf("RESP2 pub/sub array: IsPush %v, kind %q", resp2.IsPush(), resp2.PushKind())
	}
	for _, in := range []string{"*1\r\n:1\r\n", "*0\r\n", "+message\r\n", "*1\r\n$-1\r\n"} {
		if k := decode1(t, in).PushKind(); k != nil {
			t.Errorf("PushKind of %q = %q", in, k)
		}
	}
	if v := decode1(t, "=8\r\nmkd:# hi\r\n"); v.Format() != "mkd" || v.Type() != resp.TypeVerbatim {
		t.Errorf("verbatim format %q", v.Format())
	}
	if f := decode1(t, "+x\r\n").Format(); f != "" {
		t.Errorf("Format of a simple string = %q", f)
	}
	for in, want := range map[string]bool{"_\r\n": true, "$-1\r\n": true, "*-1\r\n": true, "$0\r\n\r\n": false, "*0\r\n": false} {
		if got := decode1(t, in).IsNull(); got != want {
			t.Errorf("IsNull of %q = %v", in, got)
		}
	}
	if v := decode1(t, "$-1\r\n"); v.Type() != resp.TypeBulkString {
		t.Errorf("RESP2 null bulk has type %v", v.Type())
	}
	if !decode1(t, "!3\r\nERR\r\n").IsError() || decode1(t, "+ERR\r\n").IsError() {
		t.Errorf("IsError")
	}
	if decode1(t, "+OK\r\n").Err() != nil {
		t.Errorf("Err of a simple string is not nil")
	}
}

func TestAttrs(t *testing.T) {
	v := decode1(t, "|1\r\n+ttl\r\n:60\r\n$1\r\nv\r\n")
	a := v.Attrs()
	if !v.HasAttrs() || len(a) != 2 {
		t.Fatalf("Attrs = %v", a)
	}
	if k, _ := a[0].Str(); k != "ttl" {
		t.Errorf("attribute key %q", k)
	}
	if s, _ := v.Str(); s != "v" {
		t.Errorf("value %q", s)
	}
	if w := decode1(t, "+x\r\n"); w.HasAttrs() || w.Attrs() != nil {
		t.Errorf("plain value has attributes")
	}
	if w := decode1(t, "|0\r\n+x\r\n"); !w.HasAttrs() || len(w.Attrs()) != 0 {
		t.Errorf("empty attributes lost")
	}
}

func TestRedisError(t *testing.T) {
	for msg, code := range map[string]string{
		"ERR unknown command 'x'":              "ERR",
		"MOVED 3999 127.0.0.1:6381":            "MOVED",
		"ASK 3999 127.0.0.1:6381":              "ASK",
		"NOSCRIPT No matching script":          "NOSCRIPT",
		"WRONGTYPE Operation against a key":    "WRONGTYPE",
		"CROSSSLOT Keys in request":            "CROSSSLOT",
		"Error without a code":                 "",
		"":                                     "",
		"BUSYGROUP Consumer Group name exists": "BUSYGROUP",
		"NOPERM":                               "NOPERM",
		"lower case":                           "",
	} {
		e := resp.NewRedisError(msg)
		if e.Code != code || e.Msg != msg || e.Error() != msg {
			t.Errorf("NewRedisError(%q) = %+v, want code %q", msg, e, code)
		}
	}
	e := decode1(t, "-MOVED 3999 127.0.0.1:6381\r\n").Err().(*resp.RedisError)
	if slot, addr, ok := e.Moved(); !ok || slot != 3999 || addr != "127.0.0.1:6381" {
		t.Errorf("Moved = %d %q %v", slot, addr, ok)
	}
	if _, _, ok := e.Ask(); ok {
		t.Errorf("a MOVED error parsed as ASK")
	}
	e = decode1(t, "!18\r\nASK 12 [::1]:7000 \r\n").Err().(*resp.RedisError)
	if slot, addr, ok := e.Ask(); !ok || slot != 12 || addr != "[::1]:7000" {
		t.Errorf("Ask = %d %q %v", slot, addr, ok)
	}
	for _, msg := range []string{"MOVED", "MOVED x 1:2", "MOVED 16384 a:1", "MOVED 1 a:1 extra", "ERR 1 a:1"} {
		if _, _, ok := resp.NewRedisError(msg).Moved(); ok {
			t.Errorf("Moved accepted %q", msg)
		}
	}
}
