package redis

import (
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/future"
)

// The reply conversions of the typed helpers. A null becomes Nil.

func ignore(f *future.Future[resp.Value]) *future.Future[struct{}] {
	return future.Then(f, ignoreReply)
}

// ignoreReply drops a reply.
func ignoreReply(resp.Value) (struct{}, error) { return struct{}{}, nil }

// strReply converts a string reply.
func strReply(v resp.Value) (string, error) {
	s, err := v.Str()
	return s, mapNil(err)
}

// intReply converts an integer reply.
func intReply(v resp.Value) (int64, error) {
	n, err := v.Int()
	return n, mapNil(err)
}

// floatReply converts a number reply.
func floatReply(v resp.Value) (float64, error) {
	x, err := v.Float()
	return x, mapNil(err)
}

// boolReply converts a boolean (or 0/1 integer) reply.
func boolReply(v resp.Value) (bool, error) {
	b, err := v.Bool()
	return b, mapNil(err)
}

// strSlice converts an array (or set) of strings; a null array is an empty
// slice.
func strSlice(v resp.Value) ([]string, error) {
	if v.IsNull() {
		return []string{}, nil
	}
	a, err := v.Array()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(a))
	for i, e := range a {
		if out[i], err = e.Str(); err != nil {
			return nil, mapNil(err)
		}
	}
	return out, nil
}

// nullStrings converts an array of strings and nulls.
func nullStrings(v resp.Value) ([]NullString, error) {
	a, err := v.Array()
	if err != nil {
		return nil, mapNil(err)
	}
	out := make([]NullString, len(a))
	for i, e := range a {
		if e.IsNull() {
			continue
		}
		if out[i].String, err = e.Str(); err != nil {
			return nil, err
		}
		out[i].Valid = true
	}
	return out, nil
}

// stringMap converts a map (or a RESP2 flat array) of strings.
func stringMap(v resp.Value) (map[string]string, error) {
	kv, err := v.Map()
	if err != nil {
		return nil, mapNil(err)
	}
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		k, err := kv[i].Str()
		if err != nil {
			return nil, err
		}
		if m[k], err = kv[i+1].Str(); err != nil {
			return nil, mapNil(err)
		}
	}
	return m, nil
}

// NullString is an element of a reply that may hold nulls (MGET, HMGET):
// Valid is false for a null.
type NullString struct {
	String string
	Valid  bool
}
