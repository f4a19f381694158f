package resp

import (
	"strconv"
	"strings"
)

// String returns a one-line, human-readable rendering of v for logs and
// tests, not a wire form (AppendValue gives that):
//
//	"OK"  "bulk"  12  1.5  true  nil  12345678901234567890123n
//	(error) ERR unknown  txt:"text"  [1, 2]  ~[1, 2]  >["message", "ch", "hi"]
//	{"k": 1}  |{"ttl": 60}| "value"
//
// Strings are quoted as Go strings; doubles always show a decimal point or
// an exponent so that they differ from integers.
func (v Value) String() string {
	var sb strings.Builder
	v.format(&sb)
	return sb.String()
}

func (v Value) format(sb *strings.Builder) {
	if v.attrs != nil {
		sb.WriteByte('|')
		formatPairs(sb, v.attrs.elems)
		sb.WriteString("| ")
	}
	if v.IsNull() {
		sb.WriteString("nil")
		return
	}
	switch v.typ {
	case TypeSimpleString, TypeBulkString:
		sb.WriteString(strconv.Quote(string(v.str)))
	case TypeSimpleError, TypeBulkError:
		sb.WriteString("(error) ")
		sb.WriteString(strconv.Quote(string(v.str)))
	case TypeVerbatim:
		sb.WriteString(v.Format())
		sb.WriteByte(':')
		sb.WriteString(strconv.Quote(string(v.text())))
	case TypeInteger:
		sb.WriteString(strconv.FormatInt(v.num, 10))
	case TypeBoolean:
		sb.WriteString(strconv.FormatBool(v.num != 0))
	case TypeDouble:
		s := string(appendFloat(nil, v.float()))
		sb.WriteString(s)
		if !strings.ContainsAny(s, ".ein") {
			sb.WriteString(".0")
		}
	case TypeBigNumber:
		sb.Write(v.str)
		sb.WriteByte('n')
	case TypeArray, TypeSet, TypePush:
		switch v.typ {
		case TypeSet:
			sb.WriteByte('~')
		case TypePush:
			sb.WriteByte('>')
		}
		sb.WriteByte('[')
		for i, e := range v.elems {
			if i > 0 {
				sb.WriteString(", ")
			}
			e.format(sb)
		}
		sb.WriteByte(']')
	case TypeMap, TypeAttribute:
		formatPairs(sb, v.elems)
	default:
		sb.WriteString("(invalid)")
	}
}

func formatPairs(sb *strings.Builder, kv []Value) {
	sb.WriteByte('{')
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			sb.WriteString(", ")
		}
		kv[i].format(sb)
		sb.WriteString(": ")
		if i+1 < len(kv) {
			kv[i+1].format(sb)
		} else {
			sb.WriteString("nil")
		}
	}
	sb.WriteByte('}')
}
