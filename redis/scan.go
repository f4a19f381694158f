package redis

import (
	"errors"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/future"
)

// ScanOptions filter and size the pages of a SCAN-family iteration. The
// zero value visits everything with the server's default page size.
type ScanOptions struct {
	// Match is a glob pattern (MATCH) the returned names must match.
	Match string
	// Count hints how many elements to examine per page (COUNT).
	Count int64
	// Type restricts SCAN to keys of a type ("string", "hash"...); the
	// other commands ignore it.
	Type string
}

// Scanner pages through a SCAN, HSCAN, SSCAN or ZSCAN iteration. Each
// call to Next fetches one page; a page may be empty while the iteration
// goes on, and the same element may come twice (see the SCAN
// documentation). A Scanner is for one caller at a time: call Next again
// only after the previous page has arrived.
type Scanner struct {
	c    *cmds
	name string // SCAN, HSCAN, SSCAN or ZSCAN
	key  string // unused for SCAN
	opts ScanOptions
	// cursor is the next cursor; done is set once the server returned 0.
	// Written by the page's callback, read by the next call, which comes
	// after it.
	cursor string
	done   bool
}

// Scan returns a Scanner over the keys of the database.
func (c *Client) Scan(o ScanOptions) *Scanner {
	return &Scanner{c: &c.cmds, name: "SCAN", opts: o, cursor: "0"}
}

// HScan returns a Scanner over the hash at key; its pages hold field,
// value, field, value...
func (c *cmds) HScan(key string, o ScanOptions) *Scanner {
	return &Scanner{c: c, name: "HSCAN", key: key, opts: o, cursor: "0"}
}

// SScan returns a Scanner over the members of the set at key.
func (c *cmds) SScan(key string, o ScanOptions) *Scanner {
	return &Scanner{c: c, name: "SSCAN", key: key, opts: o, cursor: "0"}
}

// ZScan returns a Scanner over the sorted set at key; its pages hold
// member, score, member, score...
func (c *cmds) ZScan(key string, o ScanOptions) *Scanner {
	return &Scanner{c: c, name: "ZSCAN", key: key, opts: o, cursor: "0"}
}

// Done reports whether the iteration is over: the last page has arrived.
func (s *Scanner) Done() bool { return s.done }

// Next fetches the next page. After the last page (Done), it resolves to
// an empty page. Pages are sent again after a reconnect (they only read).
func (s *Scanner) Next() *future.Future[[]string] {
	if s.done {
		return future.Resolved(s.c.loop, []string{})
	}
	cmd := resp.NewCommand(nil).Str(s.name)
	if s.name != "SCAN" { // "" is a valid key
		cmd.Str(s.key)
	}
	cmd.Str(s.cursor)
	if s.opts.Match != "" {
		cmd.Str("MATCH").Str(s.opts.Match)
	}
	if s.opts.Count > 0 {
		cmd.Str("COUNT").Int(s.opts.Count)
	}
	if s.opts.Type != "" && s.name == "SCAN" {
		cmd.Str("TYPE").Str(s.opts.Type)
	}
	return future.Then(s.c.read(cmd.Finish()), func(v resp.Value) ([]string, error) {
		cur, page, err := scanPage(v)
		if err != nil {
			return nil, err
		}
		s.cursor = cur
		s.done = cur == "0"
		return page, nil
	})
}

// scanPage splits a SCAN reply into the next cursor and the page.
func scanPage(v resp.Value) (string, []string, error) {
	a, err := v.Array()
	if err != nil || len(a) != 2 {
		return "", nil, errors.Join(ErrBadReply, err)
	}
	cur, err := a[0].Str()
	if err != nil {
		return "", nil, errors.Join(ErrBadReply, err)
	}
	page, err := strSlice(a[1])
	if err != nil {
		return "", nil, err
	}
	return cur, page, nil
}
