package web

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Param is one path parameter of a matched route.
type Param struct {
	// Name is the parameter's name in the pattern.
	Name string
	// Value is the matched text, as in the request path (not decoded).
	Value string
}

// methodHandler is one method's handler at a node.
type methodHandler struct {
	method  string
	h       Handler
	pattern string
	// auto answers the other methods of a path this route matches
	// (405, automatic OPTIONS), wrapped in the middleware of the group
	// that registered the route; depth is the number of segments of
	// that group's prefix and seq the route's registration order,
	// which choose among the routes that match a path (see owner).
	auto  Handler
	depth int
	seq   int
}

// paramChild is a parameter edge of a node.
type paramChild struct {
	name string
	re   *regexp.Regexp // nil without a constraint
	src  string
	node *node
}

// node is a segment-trie node. Precedence at each level: a literal child,
// then parameter children (constrained ones first, in registration order),
// then the wildcard; the search backtracks when a branch fails deeper.
type node struct {
	static   map[string]*node
	params   []*paramChild
	wildName string
	wild     *node // the wildcard's terminal node
	methods  []methodHandler
}

// child returns the literal child for seg, a segment of a request path
// as received: literals match the path that middleware sees in
// Request.Path, not decoded (see Group.Handle).
func (n *node) child(seg string) *node { return n.static[seg] }

func (n *node) lookupMethod(method string) *methodHandler {
	for i := range n.methods {
		if n.methods[i].method == method {
			return &n.methods[i]
		}
	}
	return nil
}

// decodedSeg returns a path segment percent-decoded: what Param returns,
// and so what a constraint checks. A segment that does not decode is
// kept as it is. Only segments with a '%' pay for decoding (and
// allocate).
func decodedSeg(seg string) string {
	if strings.IndexByte(seg, '%') < 0 {
		return seg
	}
	if v, err := url.PathUnescape(seg); err == nil {
		return v
	}
	return seg
}

// insert adds a route to the trie rooted at n.
func (n *node) insert(pattern string, segs []segment, method string, h Handler) error {
	return n.insertRoute(segs, methodHandler{method: method, h: h, pattern: pattern})
}

// insertRoute adds the route mh, whose pattern parses to segs.
func (n *node) insertRoute(segs []segment, mh methodHandler) error {
	pattern, method := mh.pattern, mh.method
	cur := n
	for _, s := range segs {
		switch s.kind {
		case segStatic:
			if cur.static == nil {
				cur.static = make(map[string]*node)
			}
			next := cur.static[s.text]
			if next == nil {
				next = &node{}
				cur.static[s.text] = next
			}
			cur = next
		case segParam:
			var found *paramChild
			for _, pc := range cur.params {
				if pc.src == s.re {
					if pc.name != s.text {
						return &conflictError{pattern: pattern, why: "parameter :" + s.text + " clashes with :" + pc.name}
					}
					found = pc
				}
			}
			if found == nil {
				found = &paramChild{name: s.text, src: s.re, node: &node{}}
				if s.re != "" {
					found.re = regexp.MustCompile("^(?:" + s.re + ")$") // checked by parsePattern
				}
				cur.params = append(cur.params, found)
				// Constrained parameters are tried before the
				// unconstrained one.
				sort.SliceStable(cur.params, func(i, j int) bool {
					return cur.params[i].re != nil && cur.params[j].re == nil
				})
			}
			cur = found.node
		case segWild:
			if cur.wild == nil {
				cur.wild = &node{}
				cur.wildName = s.text
			} else if cur.wildName != s.text {
				return &conflictError{pattern: pattern, why: "wildcard *" + s.text + " clashes with *" + cur.wildName}
			}
			cur = cur.wild
		}
	}
	if cur.lookupMethod(method) != nil {
		return &conflictError{pattern: pattern, why: method + " " + pattern + " is already registered"}
	}
	cur.methods = append(cur.methods, mh)
	return nil
}

// match finds the node for path (which starts with "/"), filling ps with
// the parameters. It prefers a node that has method; failing that it
// returns the first node that matched the path at all (for 405), with
// ok false.
func (n *node) match(path, method string, ps *[]Param) (mh *methodHandler, any *node) {
	base := len(*ps)
	mh, any = n.walk(path[1:], method, ps)
	if mh == nil {
		*ps = (*ps)[:base]
	}
	return mh, any
}

// walk matches rest, the path after a '/', below n.
func (n *node) walk(rest, method string, ps *[]Param) (*methodHandler, *node) {
	seg, tail, more := strings.Cut(rest, "/")
	var any *node
	if n.static != nil {
		if c := n.static[seg]; c != nil {
			if mh, a := c.step(tail, more, method, ps); mh != nil {
				return mh, a
			} else if any == nil {
				any = a
			}
		}
	}
	if seg != "" {
		for _, pc := range n.params {
			// The constraint checks the value Param returns.
			if pc.re != nil && !pc.re.MatchString(decodedSeg(seg)) {
				continue
			}
			base := len(*ps)
			*ps = append(*ps, Param{Name: pc.name, Value: seg})
			mh, a := pc.node.step(tail, more, method, ps)
			if mh != nil {
				return mh, a
			}
			*ps = (*ps)[:base]
			if any == nil {
				any = a
			}
		}
	}
	if n.wild != nil && len(n.wild.methods) > 0 {
		*ps = append(*ps, Param{Name: n.wildName, Value: rest})
		if mh := n.wild.lookupMethod(method); mh != nil {
			return mh, n.wild
		}
		*ps = (*ps)[:len(*ps)-1]
		if any == nil {
			any = n.wild
		}
	}
	return nil, any
}

// step continues below n after one segment matched.
func (n *node) step(tail string, more bool, method string, ps *[]Param) (*methodHandler, *node) {
	if !more {
		if mh := n.lookupMethod(method); mh != nil {
			return mh, n
		}
		// "/static" still matches "/static/*path" with an empty
		// rest, also when "/static" has routes of other methods.
		if n.wild != nil && len(n.wild.methods) > 0 {
			*ps = append(*ps, Param{Name: n.wildName})
			if mh := n.wild.lookupMethod(method); mh != nil {
				return mh, n.wild
			}
			*ps = (*ps)[:len(*ps)-1]
			if len(n.methods) == 0 {
				return nil, n.wild
			}
		}
		if len(n.methods) == 0 {
			return nil, nil
		}
		return nil, n
	}
	return n.walk(tail, method, ps)
}

// pathScan walks the routes that match path (which starts with "/"),
// the alternatives walk would try, in one pass: it adds their methods to
// set (unless nil), so that an Allow header lists each method the path
// is routed for, and returns the route whose group answers for path when
// the router answers it itself: one of the group with the longest prefix
// (in segments), the first registered of those; nil if no route matches.
func (n *node) pathScan(path string, set map[string]bool) *methodHandler {
	s := pathScan{set: set}
	n.collect(path[1:], &s)
	return s.best
}

// pathScan gathers what collect finds: the methods into set (unless
// nil) and the owner into best.
type pathScan struct {
	set  map[string]bool
	best *methodHandler
}

// add adds the routes registered at n.
func (s *pathScan) add(n *node) {
	for i := range n.methods {
		m := &n.methods[i]
		if s.set != nil {
			s.set[m.method] = true
		}
		if b := s.best; b == nil || m.depth > b.depth || m.depth == b.depth && m.seq < b.seq {
			s.best = m
		}
	}
}

// collect visits, below n, the routes that match rest, the path after a
// '/'.
func (n *node) collect(rest string, s *pathScan) {
	seg, tail, more := strings.Cut(rest, "/")
	if c := n.child(seg); c != nil {
		c.collectStep(tail, more, s)
	}
	if seg != "" {
		for _, pc := range n.params {
			if pc.re == nil || pc.re.MatchString(decodedSeg(seg)) {
				pc.node.collectStep(tail, more, s)
			}
		}
	}
	if n.wild != nil {
		s.add(n.wild)
	}
}

// collectStep is step for collect.
func (n *node) collectStep(tail string, more bool, s *pathScan) {
	if more {
		n.collect(tail, s)
		return
	}
	s.add(n)
	if n.wild != nil {
		s.add(n.wild)
	}
}

// allMethods adds every method registered below n to set.
func (n *node) allMethods(set map[string]bool) {
	for _, m := range n.methods {
		set[m.method] = true
	}
	for _, c := range n.static {
		c.allMethods(set)
	}
	for _, pc := range n.params {
		pc.node.allMethods(set)
	}
	if n.wild != nil {
		n.wild.allMethods(set)
	}
}

// conflictError reports a route that clashes with another.
type conflictError struct {
	pattern, why string
}

func (e *conflictError) Error() string {
	return "web: conflicting route " + e.pattern + ": " + e.why
}

func (e *conflictError) Unwrap() error { return ErrConflict }
