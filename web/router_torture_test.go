package web_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// The router torture test registers random route sets (literals,
// parameters with and without constraints, wildcards, nested groups with
// middleware, virtual hosts) on a Router served by an eddy server, sends
// random requests, and compares the answer (which route, which
// parameters, 404, 405 or 204 with which Allow, which group's middleware
// ran) with rmatch, a linear scan over the routes by the documented
// precedence: at each segment a literal, then the constrained
// parameters in the order they were first registered at that place, then
// the unconstrained parameter, then the wildcard, the whole search
// backtracking. Bad patterns must come back as typed errors, never
// panics. EDDY_TORTURE and EDDY_TORTURE_SEED work as for the static
// torture test.

var routerTortureSeeds = []uint64{1, 2, 3, 4, 5, 6}

// rseg is one segment of a reference route.
type rseg struct {
	kind byte // 'l' literal, 'p' parameter, 'w' wildcard
	text string
	src  string // a parameter's constraint
	re   *regexp.Regexp
}

// rroute is one route as the reference sees it.
type rroute struct {
	id      int
	tree    int
	method  string
	pattern string
	segs    []rseg
	groups  []int // ids of the groups whose middleware wraps it, outermost first
	depth   int   // segments of its group's prefix
	seq     int   // registration order
}

var (
	rlits        = []string{"a", "b", "users", "x.y", "caf%C3%A9", "%61", "new", "A"}
	rconstraints = []string{"[0-9]+", "[a-z]+", "a.*", "é", "[^.]+", "new"}
	rmethods     = []string{"GET", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}
	rhosts       = []string{"", "api.example.com", "*.example.com"}
)

// randPattern returns random segments for a route.
func randPattern(rng *rand.Rand) []rseg {
	n := rng.IntN(5)
	var segs []rseg
	for i := range n {
		switch x := rng.IntN(20); {
		case x < 11:
			segs = append(segs, rseg{kind: 'l', text: rlits[rng.IntN(len(rlits))]})
		case x < 12:
			segs = append(segs, rseg{kind: 'l', text: ""})
		case x < 17:
			src := ""
			if rng.IntN(2) == 0 {
				src = rconstraints[rng.IntN(len(rconstraints))]
			}
			// One name per place and constraint, so that names never
			// clash (clashes are tried on their own).
			name := "p" + strconv.Itoa(i)
			if src != "" {
				name += "c" + strconv.Itoa(slices.Index(rconstraints, src))
			}
			s := rseg{kind: 'p', text: name, src: src}
			if src != "" {
				s.re = regexp.MustCompile("^(?:" + src + ")$")
			}
			segs = append(segs, s)
		default:
			segs = append(segs, rseg{kind: 'w', text: "w" + strconv.Itoa(i)})
			return segs
		}
	}
	if len(segs) == 0 {
		// "/" is one empty literal.
		segs = append(segs, rseg{kind: 'l'})
	}
	return segs
}

func patternOf(segs []rseg) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		switch s.kind {
		case 'l':
			b.WriteString(s.text)
		case 'p':
			b.WriteString(":" + s.text)
			if s.src != "" {
				b.WriteString("{" + s.src + "}")
			}
		case 'w':
			b.WriteString("*" + s.text)
		}
	}
	return b.String()
}

// segID identifies a segment's place in the trie.
func segID(s rseg) string {
	return string(s.kind) + s.text + "{" + s.src
}

// rref is the reference router.
type rref struct {
	routes []*rroute // registered, in order
	all    []*rroute // every attempt, for the order of parameters
}

// match reports whether r matches the path segments ps, with its
// parameter values.
func (r *rroute) match(ps []string) ([]web.Param, bool) {
	var out []web.Param
	for i, s := range r.segs {
		switch s.kind {
		case 'w':
			if i > len(ps) {
				return nil, false
			}
			return append(out, web.Param{Name: s.text, Value: strings.Join(ps[i:], "/")}), true
		case 'l':
			if i >= len(ps) || ps[i] != s.text {
				return nil, false
			}
		case 'p':
			if i >= len(ps) || ps[i] == "" {
				return nil, false
			}
			if s.re != nil && !s.re.MatchString(decodedRef(ps[i])) {
				return nil, false
			}
			out = append(out, web.Param{Name: s.text, Value: ps[i]})
		}
	}
	return out, len(ps) == len(r.segs)
}

func decodedRef(s string) string {
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}

// key returns r's precedence key: lower is preferred, compared
// position by position.
func (ref *rref) key(r *rroute) [][2]int {
	var k [][2]int
	for i, s := range r.segs {
		switch {
		case s.kind == 'l':
			k = append(k, [2]int{0, 0})
		case s.kind == 'p' && s.src != "":
			// The order in which constraints were first registered at
			// this place of the trie.
			var srcs []string
			for _, q := range ref.all {
				if q.tree != r.tree || len(q.segs) <= i || q.segs[i].kind != 'p' || q.segs[i].src == "" {
					continue
				}
				same := true
				for j := range i {
					if segID(q.segs[j]) != segID(r.segs[j]) {
						same = false
						break
					}
				}
				if same && !slices.Contains(srcs, q.segs[i].src) {
					srcs = append(srcs, q.segs[i].src)
				}
			}
			k = append(k, [2]int{1, slices.Index(srcs, s.src)})
		case s.kind == 'p':
			k = append(k, [2]int{2, 0})
		default:
			k = append(k, [2]int{3, 0})
		}
	}
	return append(k, [2]int{-1, 0})
}

func keyLess(a, b [][2]int) bool {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i][0] < b[i][0] || a[i][0] == b[i][0] && a[i][1] < b[i][1]
		}
	}
	return len(a) < len(b)
}

// lookup returns the route of tree for method and path, with its
// parameters.
func (ref *rref) lookup(tree int, method string, ps []string) (*rroute, []web.Param) {
	var best *rroute
	var bestK [][2]int
	var bestP []web.Param
	for _, r := range ref.routes {
		if r.tree != tree || r.method != method {
			continue
		}
		p, ok := r.match(ps)
		if !ok {
			continue
		}
		if k := ref.key(r); best == nil || keyLess(k, bestK) {
			best, bestK, bestP = r, k, p
		}
	}
	return best, bestP
}

// rwant is what the reference expects.
type rwant struct {
	status int
	route  *rroute
	params []web.Param
	allow  string
	groups []int
}

func (ref *rref) want(tree int, method, path string) rwant {
	ps := strings.Split(path[1:], "/")
	r, p := ref.lookup(tree, method, ps)
	if r == nil && method == "HEAD" {
		r, p = ref.lookup(tree, "GET", ps)
	}
	if r != nil {
		return rwant{status: 200, route: r, params: p, groups: r.groups}
	}
	set := map[string]bool{}
	var owner *rroute
	for _, q := range ref.routes {
		if q.tree != tree {
			continue
		}
		if _, ok := q.match(ps); ok {
			set[q.method] = true
			if owner == nil || q.depth > owner.depth || q.depth == owner.depth && q.seq < owner.seq {
				owner = q
			}
		}
	}
	if len(set) == 0 {
		return rwant{status: 404}
	}
	set["OPTIONS"] = true
	if set["GET"] {
		set["HEAD"] = true
	}
	var ms []string
	for m := range set {
		ms = append(ms, m)
	}
	sort.Strings(ms)
	st := 405
	if method == "OPTIONS" {
		st = 204
	}
	return rwant{status: st, allow: strings.Join(ms, ", "), groups: owner.groups}
}

// rtree returns the host tree a request's Host goes to.
var rreqHosts = []struct {
	host string
	tree int
}{
	{"example.com", 0}, {"other.org:80", 0}, {"api.example.com", 1}, {"API.Example.com:8080", 1},
	{"api.example.com.", 1}, {"x.example.com", 2}, {"a.b.example.com", 2}, {"[::1]:80", 0},
}

// rgroup is a group being built, with its reference facts.
type rgroup struct {
	g      *web.Group
	ids    []int
	prefix string
	tree   int
}

// buildRoutes registers random routes on rt and returns the reference.
func buildRoutes(t *testing.T, rng *rand.Rand, rt *web.Router, n int) (*rref, int) {
	ref := &rref{}
	gid := 0
	seq := 0
	var groups []*rgroup
	for tr, h := range rhosts {
		var g *web.Group
		if h == "" {
			g = rt.Group("")
		} else {
			g = rt.Host(h)
		}
		groups = append(groups, &rgroup{g: g, tree: tr})
	}
	errs := 0
	for id := range n {
		segs := randPattern(rng)
		full := patternOf(segs)
		method := rmethods[rng.IntN(len(rmethods))]
		base := groups[rng.IntN(len(rhosts))]
		if len(groups) > len(rhosts) && rng.IntN(2) == 0 {
			base = groups[rng.IntN(len(groups))]
		}
		// Routes of a group must start with its prefix: make a
		// group for a prefix of the pattern, or go to a host's root.
		if !strings.HasPrefix(full, base.prefix) || base.prefix != "" && len(full) > len(base.prefix) && full[len(base.prefix)] != '/' || base.prefix != "" && full == "/" {
			base = groups[base.tree]
		}
		// Perhaps a new nested group on a segment boundary (not after
		// an empty literal, which joining would drop).
		if rng.IntN(3) == 0 {
			rest := strings.TrimPrefix(full, base.prefix)
			cuts := []int{}
			for i := 1; i < len(rest); i++ {
				if rest[i] == '/' && rest[i-1] != '/' {
					cuts = append(cuts, i)
				}
			}
			if len(rest) > 1 && rest[len(rest)-1] != '/' {
				cuts = append(cuts, len(rest))
			}
			if len(cuts) > 0 {
				c := cuts[rng.IntN(len(cuts))]
				pfx := rest[:c]
				if !strings.Contains(pfx, "*") {
					gid++
					id := gid
					mw := func(h web.Handler) web.Handler {
						return func(c *web.Ctx) {
							c.W.Header().Add("X-Group", strconv.Itoa(id))
							h(c)
						}
					}
					ng := &rgroup{g: base.g.Group(pfx, mw), ids: append(slices.Clone(base.ids), id), prefix: base.prefix + pfx, tree: base.tree}
					groups = append(groups, ng)
					base = ng
				}
			}
		}
		rel := strings.TrimPrefix(full, base.prefix)
		r := &rroute{id: id, tree: base.tree, method: method, pattern: full, segs: segs, groups: base.ids,
			depth: strings.Count(strings.TrimSuffix(base.prefix, "/"), "/")}
		rid := id
		err := base.g.Handle(method, rel, func(c *web.Ctx) {
			h := c.W.Header()
			h.Set("X-Route", strconv.Itoa(rid))
			h.Set("X-Pattern", strconv.Quote(c.Pattern()))
			var b strings.Builder
			for _, p := range c.Params() {
				b.WriteString(strconv.Quote(p.Name + "=" + p.Value))
			}
			h.Set("X-Params", b.String())
			c.W.WriteHeader(200)
		})
		ref.all = append(ref.all, r)
		dup := false
		for _, q := range ref.routes {
			if q.tree == r.tree && q.method == r.method && q.pattern == r.pattern {
				dup = true
			}
		}
		switch {
		case dup:
			if !errors.Is(err, web.ErrConflict) {
				t.Fatalf("%s %s registered twice: %v", method, full, err)
			}
			errs++
		case err != nil:
			t.Fatalf("%s %s (group %q, %q): %v", method, full, base.prefix, rel, err)
		default:
			seq++
			r.seq = seq
			ref.routes = append(ref.routes, r)
		}
	}
	return ref, errs
}

// randPath returns a random request path for the routes of ref.
func randPath(rng *rand.Rand, ref *rref) string {
	if len(ref.routes) == 0 || rng.IntN(6) == 0 {
		return []string{"/", "//", "/a/", "/a//b", "/%61", "/users/new", "/x.y/", "/b/a/a/a/a/a/a", "/A", "/caf%C3%A9"}[rng.IntN(10)]
	}
	r := ref.routes[rng.IntN(len(ref.routes))]
	vals := []string{"123", "abc", "a%2Fb", "caf%C3%A9", "%C3%A9", "x.y", "", "%2e%2e", "a", "new", "%6Eew", "A1", "a.b", "0"}
	var b strings.Builder
	for _, s := range r.segs {
		switch s.kind {
		case 'l':
			b.WriteString("/")
			if s.text == "a" && rng.IntN(5) == 0 {
				b.WriteString("%61")
			} else {
				b.WriteString(s.text)
			}
		case 'p':
			b.WriteString("/" + vals[rng.IntN(len(vals))])
		case 'w':
			if rng.IntN(4) != 0 {
				b.WriteString("/" + []string{"", "x", "x/y", "x//", "a%2F", "a/b/c/", "123"}[rng.IntN(7)])
			}
		}
	}
	p := b.String()
	switch rng.IntN(8) {
	case 0:
		p += "/"
	case 1:
		p += "/" + vals[rng.IntN(len(vals))]
	case 2:
		if i := strings.LastIndexByte(p, '/'); i > 0 {
			p = p[:i]
		}
	}
	if p == "" {
		p = "/"
	}
	return p
}

// rconn is a keep-alive connection to the server.
type rconn struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
}

func (rc *rconn) do(method, path, host string) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		if rc.c == nil {
			c, err := net.Dial("tcp", rc.addr)
			if err != nil {
				return nil, err
			}
			rc.c, rc.br = c, bufio.NewReader(c)
		}
		rc.c.SetDeadline(time.Now().Add(20 * time.Second)) // a watchdog against hangs
		_, err := fmt.Fprintf(rc.c, "%s %s HTTP/1.1\r\nHost: %s\r\n\r\n", method, path, host)
		var resp *http.Response
		if err == nil {
			resp, err = http.ReadResponse(rc.br, &http.Request{Method: method})
		}
		if err != nil {
			rc.close()
			if attempt == 0 {
				continue // the server closed an idle connection
			}
			return nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Close {
			rc.close()
		}
		return resp, nil
	}
}

func (rc *rconn) close() {
	if rc.c != nil {
		rc.c.Close()
		rc.c = nil
	}
}

// swapRouter serves the router of the current route set.
type swapRouter struct{ rt atomic.Pointer[web.Router] }

func (s *swapRouter) ServeHTTP(w *httpserver.ResponseWriter, r *httpserver.Request) {
	s.rt.Load().ServeHTTP(w, r)
}

func paramsString(ps []web.Param) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(strconv.Quote(p.Name + "=" + p.Value))
	}
	return b.String()
}

func TestRouterTorture(t *testing.T) {
	leakcheck.Check(t)
	seeds := tortureSeedList(t, routerTortureSeeds)
	per := tortureTime(t) / time.Duration(len(seeds))
	total, conflicts, sets := 0, 0, 0
	for _, seed := range seeds {
		rng := rand.New(rand.NewPCG(seed, 0x7207))
		sw := &swapRouter{}
		base, _ := serve(t, sw)
		rc := &rconn{addr: strings.TrimPrefix(base, "http://")}
		end := time.Now().Add(per)
		fails := 0
		n := 0
		var ref *rref
		for ; n < 50 || time.Now().Before(end); n++ {
			if n%500 == 0 {
				// A new route set every 500 requests.
				rt := web.New()
				var errs int
				ref, errs = buildRoutes(t, rng, rt, 5+rng.IntN(60))
				conflicts += errs
				sw.rt.Store(rt)
				sets++
			}
			path := randPath(rng, ref)
			method := rmethods[rng.IntN(len(rmethods))]
			hh := rreqHosts[rng.IntN(len(rreqHosts))]
			resp, err := rc.do(method, path, hh.host)
			if err != nil {
				t.Fatalf("seed %d: %s %s (Host %s): %v", seed, method, path, hh.host, err)
			}
			w := ref.want(hh.tree, method, path)
			var why string
			got := fmt.Sprintf("%d route %s %s params %s allow %q groups %q", resp.StatusCode, resp.Header.Get("X-Route"), resp.Header.Get("X-Pattern"), resp.Header.Get("X-Params"), resp.Header.Get("Allow"), resp.Header.Values("X-Group"))
			var wgroups []string
			for _, g := range w.groups {
				wgroups = append(wgroups, strconv.Itoa(g))
			}
			switch {
			case resp.StatusCode != w.status:
				why = "status"
			case w.route != nil && (resp.Header.Get("X-Route") != strconv.Itoa(w.route.id) || resp.Header.Get("X-Pattern") != strconv.Quote(w.route.pattern)):
				why = "route"
			case w.route != nil && resp.Header.Get("X-Params") != paramsString(w.params):
				why = "params"
			case w.status != 200 && resp.Header.Get("Allow") != w.allow:
				why = "Allow"
			case !slices.Equal(resp.Header.Values("X-Group"), wgroups):
				why = "group middleware"
			}
			if why != "" {
				wr := ""
				if w.route != nil {
					wr = fmt.Sprintf("%d %s params %s", w.route.id, w.route.pattern, paramsString(w.params))
				}
				t.Errorf("seed %d, request %d: %s %s (Host %s): wrong %s:\n  got  %s\n  want %d route %s allow %q groups %q", seed, n, method, path, hh.host, why, got, w.status, wr, w.allow, wgroups)
				if fails++; fails >= 5 {
					break
				}
			}
		}
		rc.close()
		total += n
		if t.Failed() {
			var b strings.Builder
			for _, r := range ref.all {
				fmt.Fprintf(&b, "  %d tree %d %s %s groups %v\n", r.id, r.tree, r.method, r.pattern, r.groups)
			}
			t.Logf("seed %d routes:\n%s", seed, b.String())
			break
		}
	}
	t.Logf("%d requests over %d seeds, %d route sets, %d conflicts refused", total, len(seeds), sets, conflicts)
}

// TestRouterTortureBadPatterns registers random mutations of patterns:
// each must register or fail with a typed error, never panic, and a
// pattern that fails must leave the router answering as before.
func TestRouterTortureBadPatterns(t *testing.T) {
	rng := rand.New(rand.NewPCG(99, 1))
	alphabet := []string{"/", ":", "*", "{", "}", "a", "id", "[0-9]+", "(", ")", "\\", "%", "%2e", ".", "..", "?", "#", " ", "\x00", "é", "{2}", "x{", "|"}
	var patterns []string
	for range 20000 {
		var b strings.Builder
		if rng.IntN(10) != 0 {
			b.WriteString("/")
		}
		for range rng.IntN(8) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		patterns = append(patterns, b.String())
	}
	patterns = append(patterns, "/:", "/*", "/*w/x", "/:a{", "/:a{[}", "/a{b}", "/:a/:a", "x", "/%2e%2e", "/:a{}", "/:a{(}", "/*a{x}", "/:a{x}y", "/a/../b", "/:a{\\}")
	for _, p := range patterns {
		for _, prefix := range []string{"", "/g"} {
			rt := web.New()
			g := rt.Group(prefix)
			err := func() (err error) {
				defer func() {
					if v := recover(); v != nil {
						err = fmt.Errorf("panic: %v", v)
					}
				}()
				if err := g.Get(p, func(*web.Ctx) {}); err != nil {
					return err
				}
				// A second route of another name at the same place
				// conflicts or registers, never panics.
				return g.Get(strings.ReplaceAll(strings.ReplaceAll(p, ":", ":z"), "*", "*z"), func(*web.Ctx) {})
			}()
			var pe *web.PatternError
			switch {
			case err == nil:
			case strings.HasPrefix(err.Error(), "panic"):
				t.Fatalf("pattern %q (prefix %q): %v", p, prefix, err)
			case errors.As(err, &pe):
				if !errors.Is(err, web.ErrPattern) || pe.Offset < 0 || pe.Offset > len(pe.Pattern) {
					t.Errorf("pattern %q: %#v", p, pe)
				}
			case errors.Is(err, web.ErrConflict):
			default:
				t.Errorf("pattern %q (prefix %q): untyped error %v", p, prefix, err)
			}
		}
	}
}
