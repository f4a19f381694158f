package http1

import "math"

// framing gathers the fields that decide how a message is delimited and
// whether the connection persists.
type framing struct {
	length       int64 // Content-Length, -1 if absent
	te           bool  // Transfer-Encoding present
	chunkedFinal bool  // chunked is the last coding
	chunked      int   // how many times chunked appears
	otherCoding  bool  // a coding other than chunked appears
	close        bool  // Connection: close
	keepAlive    bool  // Connection: keep-alive
	upgrade      bool  // Connection: upgrade
}

func (f *framing) reset() { *f = framing{length: -1} }

// contentLength folds one Content-Length field value into f (RFC 9112
// §6.3 rule 5): a list of identical valid values counts as that value.
func (f *framing) contentLength(v []byte) error {
	seen := false
	for {
		elem, rest, bad := listNext(v)
		if bad {
			return errCL
		}
		if len(elem) > 0 {
			seen = true
			var n int64
			for _, c := range elem {
				d := int64(c - '0')
				if c < '0' || c > '9' || n > (math.MaxInt64-d)/10 {
					return errCL
				}
				n = n*10 + d
			}
			if f.length >= 0 && f.length != n {
				return errCLDiffers
			}
			f.length = n
		}
		if rest == nil {
			break
		}
		v = rest
	}
	if !seen {
		return errCL
	}
	return nil
}

// transferEncoding folds one Transfer-Encoding field value into f
// (RFC 9112 §6.1). Empty list elements are ignored (RFC 9110 §5.6.1).
func (f *framing) transferEncoding(v []byte) error {
	f.te = true
	for len(v) > 0 {
		elem, rest, bad := listNext(v)
		if bad {
			return errTE
		}
		v = rest
		if len(elem) == 0 {
			continue
		}
		n := skipToken(elem)
		if n == 0 || !validParams(elem[n:]) {
			return errTE
		}
		if equalFold(elem[:n], "chunked") {
			if n != len(elem) {
				return errTE // chunked takes no parameters
			}
			f.chunked++
			f.chunkedFinal = true
		} else {
			f.otherCoding = true
			f.chunkedFinal = false
		}
	}
	return nil
}

// connection folds one Connection field value into f. Elements that are
// not tokens name no connection option and are ignored.
func (f *framing) connection(v []byte) {
	switch { // the common single-option values
	case equalFold(v, "keep-alive"):
		f.keepAlive = true
		return
	case equalFold(v, "close"):
		f.close = true
		return
	}
	for len(v) > 0 {
		elem, rest, _ := listNext(v)
		v = rest
		switch {
		case equalFold(elem, "close"):
			f.close = true
		case equalFold(elem, "keep-alive"):
			f.keepAlive = true
		case equalFold(elem, "upgrade"):
			f.upgrade = true
		}
	}
}

// persistent applies RFC 9112 §9.3 to the protocol minor version.
func (f *framing) persistent(minor int) bool {
	if f.close {
		return false
	}
	return minor >= 1 || f.keepAlive
}

// hasElem reports whether the list value v holds the element want
// (lower case), ignoring ASCII case and any parameters after ";" or "=".
func hasElem(v []byte, want string) bool {
	for len(v) > 0 {
		elem, rest, _ := listNext(v)
		v = rest
		if n := skipToken(elem); n > 0 && equalFold(elem[:n], want) {
			return true
		}
	}
	return false
}
