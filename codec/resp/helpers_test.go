package resp_test

import (
	"errors"

	"github.com/eddy-go/eddy/codec/resp"
)

// drain feeds each chunk to d in turn and takes every value Next returns
// after each one. It returns clones of the values and the error that ended
// the last Next (ErrNeedMore when the input ended between or inside
// values).
func drain(d *resp.Decoder, chunks ...[]byte) ([]resp.Value, error) {
	var vals []resp.Value
	var err error
	if len(chunks) == 0 {
		_, err = d.Next()
		return nil, err
	}
	for _, c := range chunks {
		d.Feed(c)
		for {
			var v resp.Value
			v, err = d.Next()
			if err != nil {
				break
			}
			vals = append(vals, v.Clone())
		}
		if err != resp.ErrNeedMore {
			return vals, err
		}
	}
	return vals, err
}

// decodeAll parses p with Decode, value after value, and returns clones of
// the values, the bytes used, and the error that ended it.
func decodeAll(d *resp.Decoder, p []byte) ([]resp.Value, int, error) {
	var vals []resp.Value
	used := 0
	for {
		v, n, err := d.Decode(p[used:])
		if err != nil {
			return vals, used, err
		}
		if n <= 0 || n > len(p)-used {
			return vals, used, errors.New("Decode returned a bad length")
		}
		used += n
		vals = append(vals, v.Clone())
	}
}

// sameErr reports whether a and b are the same outcome: both nil, both
// ErrNeedMore, or protocol or limit errors of the same kind at the same
// offset.
func sameErr(a, b error) bool {
	if a == nil || b == nil || a == resp.ErrNeedMore || b == resp.ErrNeedMore {
		return a == b
	}
	var pa, pb *resp.ProtocolError
	if errors.As(a, &pa) && errors.As(b, &pb) {
		return pa.Offset == pb.Offset
	}
	var la, lb *resp.LimitError
	if errors.As(a, &la) && errors.As(b, &lb) {
		return la.Offset == lb.Offset && la.Limit == lb.Limit
	}
	return false
}

func sameVals(a, b []resp.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}
