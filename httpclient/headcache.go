package httpclient

// maxCachedLine bounds the request line and Host field a pool keeps.
const maxCachedLine = 1 << 10

// headCache keeps the request line and Host field of a pool's last
// request, validated, so that a request with the same method, target and
// host reuses them without encoding or checking them again. Loop-only.
type headCache struct {
	method, target, host string
	line                 []byte // "GET /x HTTP/1.1\r\nHost: h\r\n"
}

// match reports whether the cached line is the one for method, target
// and host.
func (c *headCache) match(method, target, host string) bool {
	return c.line != nil && c.method == method && c.target == target && c.host == host
}

// store keeps line, the encoded request line and Host field of method,
// target and host; line is copied.
func (c *headCache) store(method, target, host string, line []byte) {
	if len(line) > maxCachedLine {
		return
	}
	c.method, c.target, c.host = method, target, host
	c.line = append(c.line[:0], line...)
}
