package resp

import "math"

// Default limits of a Decoder.
const (
	// DefaultMaxBulkLen is the default limit on the length of a bulk
	// string, bulk error, verbatim string or streamed string: 512 MiB, the
	// proto-max-bulk-len default of Redis.
	DefaultMaxBulkLen = 512 << 20
	// DefaultMaxElements is the default limit on the number of elements of
	// one aggregate (a map's keys and values count separately): 2^30.
	DefaultMaxElements = 1 << 30
	// DefaultMaxDepth is the default limit on the nesting of aggregates
	// (attributes included).
	DefaultMaxDepth = 128
	// DefaultMaxLineLen is the default limit on the length of a line:
	// a simple string, simple error, number or header.
	DefaultMaxLineLen = 64 << 10
)

// minLineLen is the smallest line limit: any header or integer fits.
const minLineLen = 32

// maxLimit caps every limit, keeping lengths and element counts far from
// int overflow even where int has 32 bits.
const maxLimit = math.MaxInt32 - 2

// config holds a Decoder's limits. The zero config means the defaults.
type config struct {
	maxBulk  int64
	maxElems int64
	maxDepth int
	maxLine  int
}

func (c *config) defaults() {
	if c.maxBulk <= 0 {
		c.maxBulk = DefaultMaxBulkLen
	}
	c.maxBulk = min(c.maxBulk, maxLimit)
	if c.maxElems <= 0 {
		c.maxElems = DefaultMaxElements
	}
	c.maxElems = min(c.maxElems, maxLimit)
	if c.maxDepth <= 0 {
		c.maxDepth = DefaultMaxDepth
	}
	if c.maxLine <= 0 {
		c.maxLine = DefaultMaxLineLen
	}
	c.maxLine = min(c.maxLine, maxLimit)
	if c.maxLine < minLineLen {
		c.maxLine = minLineLen
	}
}

// Option sets a limit of a Decoder. See NewDecoder. Every limit is capped
// at 2^31-3, so that sizes fit an int everywhere.
type Option func(*config)

// MaxBulkLen limits the length of one bulk string, bulk error, verbatim
// string or streamed string (the sum of its chunks). n <= 0 selects
// DefaultMaxBulkLen. Longer values fail with a *LimitError.
func MaxBulkLen(n int64) Option { return func(c *config) { c.maxBulk = n } }

// MaxElements limits the number of elements of one aggregate, counting a
// map's keys and values separately. n <= 0 selects DefaultMaxElements.
// Larger aggregates fail with a *LimitError. Memory is only ever allocated
// for elements actually received, never from a declared count.
func MaxElements(n int64) Option { return func(c *config) { c.maxElems = n } }

// MaxDepth limits the nesting of aggregates: 1 allows an array of scalars
// but not an array of arrays. n <= 0 selects DefaultMaxDepth. Deeper input
// fails with a *LimitError. The decoder never recurses, so any depth is
// safe for the stack; the limit bounds memory and the recursion of code
// that walks the result.
func MaxDepth(n int) Option { return func(c *config) { c.maxDepth = n } }

// MaxLineLen limits the length of a line (a simple string or error, a
// number, a double, a big number or a header) without its CRLF. n <= 0
// selects DefaultMaxLineLen, and n < 32 is raised to 32 so that every
// header and integer fits. Longer lines fail with a *LimitError.
func MaxLineLen(n int) Option { return func(c *config) { c.maxLine = n } }
