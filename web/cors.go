package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrCORSOptions reports CORSOptions that cannot be used, such as an
// allowed origin with a path or two wildcards. CORS panics with an error
// wrapping it when it is built, before serving, as regexp.MustCompile
// does: the options are the program's own, not a client's input.
var ErrCORSOptions = errors.New("web: bad CORS options")

// CORSOptions configures CORS. The zero value allows any origin to make
// GET, HEAD and POST requests without credentials.
type CORSOptions struct {
	// AllowedOrigins lists the origins allowed to read responses, as
	// browsers send them: "https://app.example.com" or
	// "http://localhost:8080" (scheme, host and port; no path; an
	// internationalised name in its ASCII form, "xn--caf-dma.example"
	// for "café.example"). An
	// entry may start its host with "*." to allow any origin with one
	// more DNS label: "https://*.example.com" allows
	// "https://a.example.com" but neither "https://example.com" nor
	// "https://a.b.example.com". "*" allows every origin; nil does too,
	// while an empty list allows none. Entries are matched without
	// regard to case, with a default port (":443" for https, ":80" for
	// http) or a final "/" ignored.
	//
	// The "null" origin, which sandboxed frames, file: pages and
	// cross-origin redirects send, needs a "null" entry when
	// credentials are allowed, "*" not covering it: any page can make
	// itself "null". (Without credentials, "*" answers every origin
	// alike, "null" included.)
	AllowedOrigins []string
	// AllowOriginFunc, if set, decides alone which origins are allowed
	// (AllowedOrigins is then ignored). It is called on the loop, with
	// the Origin header as received, "null" included, and must not
	// block.
	AllowOriginFunc func(origin string) bool
	// AllowedMethods lists the methods that cross-origin requests may
	// use; nil means GET, HEAD and POST. Methods are case-sensitive.
	// "*" allows any method.
	AllowedMethods []string
	// AllowedHeaders lists the request header fields that cross-origin
	// requests may send, matched without regard to case; nil means
	// Accept, Accept-Language, Content-Language and Content-Type
	// (browsers ask for these when their values are not the plain
	// ones, a JSON Content-Type for example). "*" allows any field,
	// Authorization included: the requested names are echoed, which
	// browsers accept with credentials too, where a literal "*" would
	// not do.
	AllowedHeaders []string
	// ExposedHeaders lists the response header fields, besides the
	// CORS-safelisted ones (Cache-Control, Content-Language,
	// Content-Length, Content-Type, Expires, Last-Modified, Pragma),
	// that scripts may read. Browsers take "*" as every field only for
	// requests without credentials.
	ExposedHeaders []string
	// AllowCredentials lets requests with credentials (cookies, HTTP
	// authentication) read responses. The allowed origin is then echoed
	// rather than answered with "*", which browsers refuse with
	// credentials. With AllowedOrigins "*" (or nil) this lets every
	// site act as its visitors: list the origins instead.
	AllowCredentials bool
	// MaxAge is how long browsers may keep a preflight's answer,
	// rounded up to whole seconds. 0 sends no Access-Control-Max-Age,
	// which leaves the browser's default (5 seconds); a negative value
	// sends 0, which asks browsers not to keep it. Browsers cap it,
	// Chromium at 2 hours.
	MaxAge time.Duration
}

// CORS returns middleware that answers cross-origin requests as the
// Fetch standard's CORS protocol has it
// (https://fetch.spec.whatwg.org/#http-cors-protocol).
//
// A preflight (OPTIONS with Origin and Access-Control-Request-Method) is
// answered by the middleware itself with 204, and the handler never
// runs: with the Access-Control-Allow-* fields when the origin, the
// method and every requested header are allowed, and without any when
// not, which makes the browser fail the request. Any other request with
// an Origin goes on to the handler, with Access-Control-Allow-Origin,
// -Allow-Credentials and -Expose-Headers set first when its origin and
// method are allowed; a plain OPTIONS is one of those.
//
// Vary tells caches which request fields the answer depends on. When
// every origin gets "*" (AllowedOrigins "*" or nil, no credentials, no
// AllowOriginFunc) the answer does not depend on the origin: every
// response to an allowed method, with or without an Origin, carries
// "Access-Control-Allow-Origin: *" and no "Vary: Origin", as the
// standard advises. Otherwise every response carries "Vary: Origin",
// those to requests without one included, lest a cache answer a
// cross-origin request with a response kept from a same-origin one,
// which lacks the CORS fields. Preflights also vary by
// Access-Control-Request-Method and -Headers. Handlers that set Vary
// themselves should add to it rather than replace it.
//
// Use it on the Router (Router.Use), which runs middleware for every
// request, the 404s included, or on a Group, whose middleware also runs
// for the router's own answers to the paths of its routes (the 405s
// and the automatic OPTIONS answers, preflights among them), so that a
// group can have its own policy:
//
//	api := rt.Group("/api", web.CORS(opts))
//	api.Post("/items", create) // preflights to /api/items get the CORS fields
//
// As route middleware (an argument of Handle, Get, ...) it sees only
// the requests of that route's method: a preflight, an OPTIONS, never
// reaches it unless the route is an OPTIONS route.
//
// Put CORS before middleware that may refuse a request, BasicAuth for
// one: preflights carry no credentials, and a refusal needs the CORS
// fields for the page to read it.
//
// A request without an Origin costs a lookup in the request's header and
// a field added to the response's, and allocates nothing once the
// response's header has room (as on a connection's recycled requests);
// an allowed one adds up to four fields.
//
// CORS panics with an error wrapping ErrCORSOptions if opt has a
// malformed origin, method or header name.
func CORS(opt CORSOptions) Middleware {
	p, err := newCORSPolicy(opt)
	if err != nil {
		panic(err)
	}
	return func(next Handler) Handler {
		return func(c *Ctx) {
			origin, ok := c.R.Header.Lookup("Origin")
			if !ok {
				h := c.W.Header()
				if p.static {
					// As to a request with an Origin, so
					// that a cache that keeps this answer
					// gives cross-origin requests no more
					// than they get themselves.
					if !p.allowMethod(c.R.Method) {
						next(c)
						return
					}
					h.Add("Access-Control-Allow-Origin", "*")
					if p.expose != "" {
						h.Add("Access-Control-Expose-Headers", p.expose)
					}
				} else {
					addVary(h, "Origin")
				}
				next(c)
				return
			}
			if c.R.Method == "OPTIONS" {
				if m, ok := c.R.Header.Lookup("Access-Control-Request-Method"); ok {
					p.preflight(c, origin, m)
					return
				}
			}
			p.actual(c, origin)
			next(c)
		}
	}
}

// corsPolicy is CORSOptions checked and prepared for requests.
type corsPolicy struct {
	fn        func(string) bool
	anyOrigin bool                // "*" among the origins
	allowNull bool                // "null" among the origins
	static    bool                // "*" for everyone: no Vary: Origin
	origins   map[string]struct{} // exact, lowercased
	wild      []wildOrigin
	methods   []string
	anyMethod bool
	methodHdr string // Access-Control-Allow-Methods, unless anyMethod
	headers   []string
	anyHeader bool
	expose    string
	creds     bool
	maxAge    string // Access-Control-Max-Age, or ""
}

// wildOrigin is an "https://*.example.com" entry: its "https://" and
// ".example.com".
type wildOrigin struct {
	prefix, suffix string
}

func newCORSPolicy(opt CORSOptions) (*corsPolicy, error) {
	p := &corsPolicy{fn: opt.AllowOriginFunc, creds: opt.AllowCredentials}
	origins := opt.AllowedOrigins
	if origins == nil {
		origins = []string{"*"}
	}
	if p.fn == nil {
		for i, o := range origins {
			if err := p.addOrigin(o); err != nil {
				return nil, fmt.Errorf("%w: AllowedOrigins[%d] %q: %s", ErrCORSOptions, i, o, err)
			}
		}
		p.static = p.anyOrigin && !p.creds
	}

	p.methods = opt.AllowedMethods
	if p.methods == nil {
		p.methods = []string{"GET", "HEAD", "POST"}
	}
	for i, m := range p.methods {
		switch {
		case m == "*":
			p.anyMethod = true
		case !isToken(m):
			return nil, fmt.Errorf("%w: AllowedMethods[%d] %q is not a method", ErrCORSOptions, i, m)
		}
	}
	p.methodHdr = strings.Join(p.methods, ", ")

	p.headers = opt.AllowedHeaders
	if p.headers == nil {
		p.headers = []string{"Accept", "Accept-Language", "Content-Language", "Content-Type"}
	}
	for i, h := range p.headers {
		switch {
		case h == "*":
			p.anyHeader = true
		case !isToken(h):
			return nil, fmt.Errorf("%w: AllowedHeaders[%d] %q is not a field name", ErrCORSOptions, i, h)
		}
	}
	for i, h := range opt.ExposedHeaders {
		if !isToken(h) {
			return nil, fmt.Errorf("%w: ExposedHeaders[%d] %q is not a field name", ErrCORSOptions, i, h)
		}
	}
	p.expose = strings.Join(opt.ExposedHeaders, ", ")

	switch {
	case opt.MaxAge < 0:
		p.maxAge = "0"
	case opt.MaxAge > 0:
		p.maxAge = strconv.FormatInt(int64((opt.MaxAge+time.Second-1)/time.Second), 10)
	}
	return p, nil
}

// addOrigin adds an AllowedOrigins entry, normalised as browsers
// serialise origins.
func (p *corsPolicy) addOrigin(o string) error {
	o = strings.TrimSuffix(strings.ToLower(o), "/")
	switch o {
	case "*":
		p.anyOrigin = true
		return nil
	case "null":
		p.allowNull = true
		return nil
	}
	scheme, host, ok := strings.Cut(o, "://")
	if !ok || !validScheme(scheme) {
		return errors.New(`not "scheme://host[:port]"`)
	}
	if host == "" || strings.ContainsAny(host, "/?#@\\ \t") {
		return errors.New("not a bare host and port (no path, query or user)")
	}
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			// Browsers send an internationalised name in its
			// ASCII form: a Unicode entry would never match.
			return errors.New(`an internationalised name must be written as browsers send it, in its ASCII "xn--" form`)
		}
	}
	// Browsers leave a scheme's default port out.
	if scheme == "https" {
		host = strings.TrimSuffix(host, ":443")
	} else if scheme == "http" {
		host = strings.TrimSuffix(host, ":80")
	}
	if rest, wild := strings.CutPrefix(host, "*."); wild {
		if rest == "" || strings.Contains(rest, "*") {
			return errors.New(`a wildcard is "*." followed by a domain`)
		}
		p.wild = append(p.wild, wildOrigin{prefix: scheme + "://", suffix: "." + rest})
		return nil
	}
	if strings.Contains(host, "*") {
		return errors.New(`a wildcard may only start the host, as "*."`)
	}
	if p.origins == nil {
		p.origins = make(map[string]struct{})
	}
	p.origins[scheme+"://"+host] = struct{}{}
	return nil
}

// validScheme reports whether s is an RFC 3986 scheme.
func validScheme(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// allowOrigin reports whether origin, as received, is allowed. Browsers
// send scheme and host in lower case, so it is not folded.
func (p *corsPolicy) allowOrigin(origin string) bool {
	if p.fn != nil {
		return p.fn(origin)
	}
	if origin == "null" {
		return p.allowNull || p.static
	}
	if p.anyOrigin {
		return origin != ""
	}
	if _, ok := p.origins[origin]; ok {
		return true
	}
	for _, w := range p.wild {
		if len(origin) > len(w.prefix)+len(w.suffix) &&
			strings.HasPrefix(origin, w.prefix) && strings.HasSuffix(origin, w.suffix) &&
			isDNSLabel(origin[len(w.prefix):len(origin)-len(w.suffix)]) {
			return true
		}
	}
	return false
}

// isDNSLabel reports whether s is one lowercase DNS label: no dot, so
// that "*.example.com" does not reach deeper subdomains, and none of the
// characters that would let a crafted origin end with the suffix.
func isDNSLabel(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

// allowMethod reports whether method is allowed.
func (p *corsPolicy) allowMethod(method string) bool {
	if p.anyMethod {
		return isToken(method)
	}
	for _, m := range p.methods {
		if m == method {
			return true
		}
	}
	return false
}

// allowHeaders reports whether every field name in the comma-separated
// list v is allowed. Empty elements are skipped, as lists allow.
func (p *corsPolicy) allowHeaders(v string) bool {
	for v != "" {
		name := v
		if i := strings.IndexByte(v, ','); i >= 0 {
			name, v = v[:i], v[i+1:]
		} else {
			v = ""
		}
		name = strings.Trim(name, " \t")
		if name == "" {
			continue
		}
		if !isToken(name) {
			return false
		}
		if p.anyHeader {
			continue
		}
		ok := false
		for _, h := range p.headers {
			if len(h) == len(name) && strings.EqualFold(h, name) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// actual sets the CORS fields of a request that is not a preflight.
func (p *corsPolicy) actual(c *Ctx, origin string) {
	h := c.W.Header()
	if !p.static {
		addVary(h, "Origin")
	}
	if !p.allowOrigin(origin) || !p.allowMethod(c.R.Method) {
		return
	}
	p.allow(c, origin)
	if p.expose != "" {
		h.Set("Access-Control-Expose-Headers", p.expose)
	}
}

// allow sets Access-Control-Allow-Origin and -Credentials.
func (p *corsPolicy) allow(c *Ctx, origin string) {
	h := c.W.Header()
	if p.static {
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if p.creds {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// preflight answers a preflight request: 204 with the Allow fields, or
// without them when something asked for is not allowed.
func (p *corsPolicy) preflight(c *Ctx, origin, method string) {
	h := c.W.Header()
	if !p.static {
		addVary(h, "Origin")
	}
	addVary(h, "Access-Control-Request-Method")
	addVary(h, "Access-Control-Request-Headers")
	reqHeaders := ""
	n := 0
	for v := range c.R.Header.Values("Access-Control-Request-Headers") {
		if n == 0 {
			reqHeaders = v
		} else {
			reqHeaders += ", " + v
		}
		n++
	}
	if p.allowOrigin(origin) && p.allowMethod(method) && p.allowHeaders(reqHeaders) {
		p.allow(c, origin)
		if p.anyMethod {
			h.Set("Access-Control-Allow-Methods", method)
		} else {
			h.Set("Access-Control-Allow-Methods", p.methodHdr)
		}
		if strings.Trim(reqHeaders, " \t,") != "" {
			// The names as asked for: a "*" would not cover
			// Authorization, nor anything with credentials.
			h.Set("Access-Control-Allow-Headers", reqHeaders)
		}
		if p.maxAge != "" {
			h.Set("Access-Control-Max-Age", p.maxAge)
		}
	}
	c.W.WriteHeader(204)
}
