package web

import "strings"

// Group registers routes that share a pattern prefix, middleware and
// a host. Groups nest. Like the Router, a group is set up before
// serving.
type Group struct {
	rt     *Router
	tree   *node
	prefix string
	mw     []Middleware

	// auto is the router's own answer wrapped in mw, made for the
	// first route registered while mw has autoN entries.
	auto  Handler
	autoN int
}

// Handle registers h for method and the group's prefix followed by
// pattern, which starts with "/" or is "" for the prefix itself, as it
// was written: on Group("/a/"), "" registers "/a/" and on Group("/a"),
// "/a" (as gin and echo do), while "/" registers "/a/" on either. Route
// middleware mw wraps h inside the group's middleware. A pattern is
// made of "/"-separated segments: literals, parameters (":id"),
// parameters with a regexp constraint (":id{[0-9]+}", matched against
// the whole segment, decoded as Param returns it) and, last, a
// wildcard ("*path") that matches the rest of the path, slashes
// included, possibly empty. A parameter never matches an empty segment,
// even when its constraint would. Literals match the request path as
// received, percent-encoding included, which is the path middleware
// sees in Request.Path: "/caf%C3%A9" is the pattern for "/café" as
// clients send it, "/users/%6Eew" does not reach the literal route
// "/users/new" (a parameter route may take it, with the decoded value),
// and "/a%2Fb" is one segment, never "/a/b". A router that decoded
// literals would let "/%61dmin" past middleware that guards "/admin" by
// its path.
//
// The group's middleware (not mw) also wraps the router's own answers
// for the paths the route matches: the 405 to other methods and the
// automatic OPTIONS. When routes of several groups match a path, the
// group with the longest prefix, counted in segments, answers for it;
// of equal ones, the group of the route registered first.
//
// It returns a *PatternError (ErrPattern) for a pattern that does not
// parse, ErrConflict for the same method and pattern twice or for
// parameters or wildcards of different names at the same place,
// ErrMethod and ErrNilHandler.
func (g *Group) Handle(method, pattern string, h Handler, mw ...Middleware) error {
	if method == "" || !isToken(method) {
		return ErrMethod
	}
	if h == nil {
		return ErrNilHandler
	}
	if pattern != "" && pattern[0] != '/' {
		// Not glued to the prefix: "/api" and "x" would make "/apix".
		return &PatternError{Pattern: pattern, Reason: "must start with /"}
	}
	full := joinPattern(g.prefix, pattern)
	segs, err := parsePattern(full)
	if err != nil {
		return err
	}
	all := make([]Middleware, 0, len(g.mw)+len(mw))
	all = append(append(all, g.mw...), mw...)
	if g.auto == nil || g.autoN != len(g.mw) {
		g.auto = compose(g.mw, g.rt.answerer(g.tree))
		g.autoN = len(g.mw)
	}
	g.rt.routes++
	return g.tree.insertRoute(segs, methodHandler{
		method:  method,
		h:       compose(all, h),
		pattern: full,
		auto:    g.auto,
		depth:   strings.Count(strings.TrimSuffix(g.prefix, "/"), "/"),
		seq:     g.rt.routes,
	})
}

// Get registers a GET route (which also answers HEAD).
func (g *Group) Get(pattern string, h Handler, mw ...Middleware) error {
	return g.Handle("GET", pattern, h, mw...)
}

// Post registers a POST route.
func (g *Group) Post(pattern string, h Handler, mw ...Middleware) error {
	return g.Handle("POST", pattern, h, mw...)
}

// Put registers a PUT route.
func (g *Group) Put(pattern string, h Handler, mw ...Middleware) error {
	return g.Handle("PUT", pattern, h, mw...)
}

// Patch registers a PATCH route.
func (g *Group) Patch(pattern string, h Handler, mw ...Middleware) error {
	return g.Handle("PATCH", pattern, h, mw...)
}

// Delete registers a DELETE route.
func (g *Group) Delete(pattern string, h Handler, mw ...Middleware) error {
	return g.Handle("DELETE", pattern, h, mw...)
}

// Use adds middleware to the routes registered on g from now on, and to
// the router's own answers (405, automatic OPTIONS) for their paths
// (see Handle).
func (g *Group) Use(mw ...Middleware) { g.mw = append(g.mw, mw...) }

// Before adds a hook run before the handlers of the routes registered
// on g from now on, and before the router's own answers for their paths
// (see BeforeHook and Use).
func (g *Group) Before(h Hook) { g.Use(BeforeHook(h)) }

// After adds a hook run when the responses of the routes registered on
// g from now on have ended, and those of the router's own answers for
// their paths (see AfterHook and Use).
func (g *Group) After(h Hook) { g.Use(AfterHook(h)) }

// Group returns a nested group: its prefix is g's followed by prefix,
// and its middleware g's followed by mw.
func (g *Group) Group(prefix string, mw ...Middleware) *Group {
	all := make([]Middleware, 0, len(g.mw)+len(mw))
	all = append(append(all, g.mw...), mw...)
	return &Group{rt: g.rt, tree: g.tree, prefix: joinPattern(g.prefix, prefix), mw: all}
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return s != ""
}

func isTokenByte(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
