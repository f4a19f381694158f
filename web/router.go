package web

import (
	"sort"
	"strings"

	"github.com/eddy-go/eddy/httpserver"
)

// Router dispatches requests by host, method and path to Handlers. It
// implements httpserver.Handler. Routes are registered before serving;
// the router must not change once requests arrive, and is then safe for
// concurrent use by the server's loops.
//
// Lookup prefers, at each segment, a literal over a parameter over a
// wildcard, backtracking when a branch fails deeper down. A path that
// matches no route gets 404 (NotFound); one that matches routes of other
// methods only gets 405 with an Allow header (MethodNotAllowed). HEAD is
// answered by the GET route when there is no HEAD route, and OPTIONS by
// a 204 with Allow when there is no OPTIONS route. Those last two
// answers run the middleware of the group whose routes match the path
// (see Group.Handle), inside the router's own.
type Router struct {
	// NotFound answers requests that match no route; nil sends a plain
	// 404.
	NotFound Handler
	// MethodNotAllowed answers requests whose path matches only routes
	// of other methods, after the Allow header is set; nil sends a
	// plain 405.
	MethodNotAllowed Handler

	root      node
	hosts     map[string]*node
	wildHosts []hostTree
	mw        []Middleware
	chain     Handler
	base      Group
	routes    int // routes registered, numbering them
}

// hostTree is the route tree of a "*.example.com" virtual host.
type hostTree struct {
	suffix string // ".example.com"
	tree   *node
}

// New returns an empty router.
func New() *Router {
	rt := &Router{}
	rt.base = Group{rt: rt, tree: &rt.root}
	rt.chain = rt.dispatch
	return rt
}

// Use adds middleware that wraps every request the router answers,
// including 404 and 405 ones, in the order given: the first is the
// outermost. Call it before serving.
//
// It runs before routing and sees c.R.Path as received, not decoded,
// which is what literal segments of routes match too (see
// Group.Handle): "/%61dmin/x" does not reach the route "/admin/x".
func (rt *Router) Use(mw ...Middleware) {
	rt.mw = append(rt.mw, mw...)
	rt.chain = compose(rt.mw, rt.dispatch)
}

// Before adds a hook that runs before every request's handler (see
// BeforeHook).
func (rt *Router) Before(h Hook) { rt.Use(BeforeHook(h)) }

// After adds a hook that runs when every request's response has ended
// (see AfterHook).
func (rt *Router) After(h Hook) { rt.Use(AfterHook(h)) }

// Handle registers h for method and pattern on the default host, with
// route middleware mw. See Group.Handle.
func (rt *Router) Handle(method, pattern string, h Handler, mw ...Middleware) error {
	return rt.base.Handle(method, pattern, h, mw...)
}

// Get registers a GET route (which also answers HEAD).
func (rt *Router) Get(pattern string, h Handler, mw ...Middleware) error {
	return rt.base.Handle("GET", pattern, h, mw...)
}

// Post registers a POST route.
func (rt *Router) Post(pattern string, h Handler, mw ...Middleware) error {
	return rt.base.Handle("POST", pattern, h, mw...)
}

// Put registers a PUT route.
func (rt *Router) Put(pattern string, h Handler, mw ...Middleware) error {
	return rt.base.Handle("PUT", pattern, h, mw...)
}

// Patch registers a PATCH route.
func (rt *Router) Patch(pattern string, h Handler, mw ...Middleware) error {
	return rt.base.Handle("PATCH", pattern, h, mw...)
}

// Delete registers a DELETE route.
func (rt *Router) Delete(pattern string, h Handler, mw ...Middleware) error {
	return rt.base.Handle("DELETE", pattern, h, mw...)
}

// Group returns a group of routes on the default host whose patterns
// start with prefix and whose handlers are wrapped in mw.
func (rt *Router) Group(prefix string, mw ...Middleware) *Group {
	return rt.base.Group(prefix, mw...)
}

// Host returns the group of routes of a virtual host: host is a name
// such as "api.example.com", or "*.example.com" for any subdomain of
// example.com. Names are matched without regard to case, port or a final
// dot. An IPv6 literal may be written bare, as net.IP prints it ("::1"),
// or in brackets as requests carry it ("[::1]", "[::1]:8080"). A request
// for a host that has routes is routed among them only; any other
// request goes to the default host's routes.
func (rt *Router) Host(host string) *Group {
	host = strings.ToLower(host)
	// A bare IPv6 literal has no port to strip: its last group
	// would go as one.
	if host == "" || host[0] == '[' || strings.Count(host, ":") < 2 {
		host = stripPort(host)
	}
	host = strings.TrimSuffix(host, ".")
	if suffix, ok := strings.CutPrefix(host, "*"); ok {
		for _, h := range rt.wildHosts {
			if h.suffix == suffix {
				return &Group{rt: rt, tree: h.tree}
			}
		}
		t := &node{}
		rt.wildHosts = append(rt.wildHosts, hostTree{suffix: suffix, tree: t})
		// Longer suffixes are more specific.
		sort.SliceStable(rt.wildHosts, func(i, j int) bool {
			return len(rt.wildHosts[i].suffix) > len(rt.wildHosts[j].suffix)
		})
		return &Group{rt: rt, tree: t}
	}
	if rt.hosts == nil {
		rt.hosts = make(map[string]*node)
	}
	t := rt.hosts[host]
	if t == nil {
		t = &node{}
		rt.hosts[host] = t
	}
	return &Group{rt: rt, tree: t}
}

// ServeHTTP implements httpserver.Handler.
func (rt *Router) ServeHTTP(w *httpserver.ResponseWriter, r *httpserver.Request) {
	rt.chain(newCtx(w, r))
}

// treeFor returns the route tree for a request's host.
func (rt *Router) treeFor(host string) *node {
	if rt.hosts == nil && rt.wildHosts == nil {
		return &rt.root
	}
	host = stripPort(host)
	host = strings.TrimSuffix(host, ".")
	for i := 0; i < len(host); i++ {
		if c := host[i]; c >= 'A' && c <= 'Z' {
			host = strings.ToLower(host)
			break
		}
	}
	if t := rt.hosts[host]; t != nil {
		return t
	}
	for _, h := range rt.wildHosts {
		if len(host) > len(h.suffix) && strings.HasSuffix(host, h.suffix) {
			return h.tree
		}
	}
	return &rt.root
}

// stripPort removes a ":port" suffix and the brackets of an IPv6
// literal, without allocating.
func stripPort(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.IndexByte(host[i:], ']') < 0 {
		host = host[:i]
	}
	if len(host) >= 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	return host
}

// dispatch routes c to its handler.
func (rt *Router) dispatch(c *Ctx) {
	r, w := c.R, c.W
	tree := rt.treeFor(r.Host)
	if r.Path == "" || r.Path[0] != '/' {
		if r.Method == "OPTIONS" && r.Path == "*" {
			set := map[string]bool{}
			tree.allMethods(set)
			w.Header().Set("Allow", allowHeader(set))
			w.WriteHeader(204)
			return
		}
		rt.notFound(c)
		return
	}
	mh, hit := tree.match(r.Path, r.Method, &c.params)
	if mh == nil && r.Method == "HEAD" {
		mh, _ = tree.match(r.Path, "GET", &c.params)
	}
	if mh != nil {
		c.pattern = mh.pattern
		mh.h(c)
		return
	}
	if hit == nil {
		rt.notFound(c)
		return
	}
	// The group that owns the path's routes answers, through its
	// middleware (CORS for a preflight, auth refusing a probe). The
	// walk that finds it gathers the methods for Allow too.
	c.allow = map[string]bool{}
	if o := tree.pathScan(r.Path, c.allow); o != nil {
		o.auto(c)
		return
	}
	rt.answer(c, tree)
}

// answerer returns the router's own answer for the paths of tree,
// for a group to wrap in its middleware.
func (rt *Router) answerer(tree *node) Handler {
	return func(c *Ctx) { rt.answer(c, tree) }
}

// answer answers a request whose path matches routes of tree of other
// methods only: 204 with Allow to OPTIONS, 405 with Allow otherwise.
// Allow is set here, inside the group's middleware, so that a refusal
// by that middleware does not list the methods.
func (rt *Router) answer(c *Ctx, tree *node) {
	set := c.allow
	if set == nil {
		set = map[string]bool{}
		tree.pathScan(c.R.Path, set)
	}
	c.W.Header().Set("Allow", allowHeader(set))
	if c.R.Method == "OPTIONS" {
		c.W.WriteHeader(204)
		return
	}
	if rt.MethodNotAllowed != nil {
		rt.MethodNotAllowed(c)
		return
	}
	c.Text(405, "405 method not allowed\n")
}

func (rt *Router) notFound(c *Ctx) {
	if rt.NotFound != nil {
		rt.NotFound(c)
		return
	}
	c.Text(404, "404 page not found\n")
}

// allowHeader lists the methods of set, adding HEAD where GET is and
// OPTIONS.
func allowHeader(set map[string]bool) string {
	set["OPTIONS"] = true
	if set["GET"] {
		set["HEAD"] = true
	}
	ms := make([]string, 0, len(set))
	for m := range set {
		ms = append(ms, m)
	}
	sort.Strings(ms)
	return strings.Join(ms, ", ")
}

// compose wraps h in mws, the first outermost.
func compose(mws []Middleware, h Handler) Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}
