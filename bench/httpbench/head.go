package httpbench

import "bytes"

// maxHead is the largest request head the minimal parser accepts.
const maxHead = 8 << 10

var crlfcrlf = []byte("\r\n\r\n")

// nextHead is the minimal pipelining parser of the gnet server, as in
// gnet's TechEmpower entry: it finds the end of the first request head in
// b and returns the path of its request target (without the query) and
// the head's length in bytes. It returns n == 0 when b holds no complete
// head yet. It reads nothing but the request line, so requests with
// bodies are not supported. Errors: ErrHeadTooLarge when no head ends
// within maxHead bytes, ErrBadHead when the request line does not have
// three fields. The result does not depend on how the input was split:
// call it again on the whole buffered input as more arrives.
func nextHead(b []byte) (path []byte, n int, err error) {
	i := bytes.Index(b, crlfcrlf)
	if i < 0 {
		if len(b) > maxHead {
			return nil, 0, ErrHeadTooLarge
		}
		return nil, 0, nil
	}
	n = i + len(crlfcrlf)
	if n > maxHead {
		return nil, 0, ErrHeadTooLarge
	}
	line := b[:i]
	if j := bytes.Index(line, crlfcrlf[:2]); j >= 0 {
		line = line[:j]
	}
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return nil, 0, ErrBadHead
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 <= 0 || sp2 == len(rest)-1 {
		return nil, 0, ErrBadHead
	}
	path = rest[:sp2]
	if q := bytes.IndexByte(path, '?'); q >= 0 {
		path = path[:q]
	}
	return path, n, nil
}
