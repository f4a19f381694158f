package resp

// Type identifies the kind of a RESP value. Its numeric value is the byte
// that introduces the value on the wire, so Type(b) of a type byte b is the
// type it introduces. The zero Type is the type of the zero Value, which is
// not a valid RESP value.
type Type byte

// The RESP2 and RESP3 types.
const (
	TypeSimpleString Type = '+' // +OK
	TypeSimpleError  Type = '-' // -ERR message
	TypeInteger      Type = ':' // :1000
	TypeBulkString   Type = '$' // $5 hello, or the RESP2 null $-1
	TypeArray        Type = '*' // *2 ..., or the RESP2 null *-1
	TypeNull         Type = '_' // RESP3 null
	TypeBoolean      Type = '#' // #t, #f
	TypeDouble       Type = ',' // ,1.5  ,inf  ,-inf  ,nan
	TypeBigNumber    Type = '(' // (3492890328409238509324850943850943825024385
	TypeBulkError    Type = '!' // !21 SYNTAX invalid syntax
	TypeVerbatim     Type = '=' // =15 txt:Some string
	TypeMap          Type = '%' // %2 k1 v1 k2 v2
	TypeSet          Type = '~' // ~3 a b c
	TypeAttribute    Type = '|' // |1 k v, attached to the value that follows
	TypePush         Type = '>' // >3 message channel payload
)

// String returns the type's name, such as "bulk string", or "invalid" for
// a byte that is not a RESP type.
func (t Type) String() string {
	switch t {
	case TypeSimpleString:
		return "simple string"
	case TypeSimpleError:
		return "simple error"
	case TypeInteger:
		return "integer"
	case TypeBulkString:
		return "bulk string"
	case TypeArray:
		return "array"
	case TypeNull:
		return "null"
	case TypeBoolean:
		return "boolean"
	case TypeDouble:
		return "double"
	case TypeBigNumber:
		return "big number"
	case TypeBulkError:
		return "bulk error"
	case TypeVerbatim:
		return "verbatim string"
	case TypeMap:
		return "map"
	case TypeSet:
		return "set"
	case TypeAttribute:
		return "attribute"
	case TypePush:
		return "push"
	}
	return "invalid"
}

// isAggregate reports whether t holds child values.
func (t Type) isAggregate() bool {
	switch t {
	case TypeArray, TypeMap, TypeSet, TypeAttribute, TypePush:
		return true
	}
	return false
}

// isPaired reports whether t holds key/value pairs.
func (t Type) isPaired() bool { return t == TypeMap || t == TypeAttribute }
