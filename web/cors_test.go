package web_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// corsFields is the CORS part of a response, for comparisons.
func corsFields(r result) string {
	var b strings.Builder
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
		"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age",
		"Access-Control-Expose-Headers", "Vary"} {
		if v := r.header.Values(k); len(v) > 0 {
			b.WriteString(k + "=" + strings.Join(v, ",") + ";")
		}
	}
	return b.String()
}

func TestCORSOrigins(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Use(web.CORS(web.CORSOptions{
		AllowedOrigins: []string{"https://App.example.com/", "https://*.example.org", "http://localhost:8080"},
		ExposedHeaders: []string{"X-Total", "X-Page"},
	}))
	var calls atomic.Int32 // the handlers run on the loop
	rt.Get("/items", func(c *web.Ctx) {
		calls.Add(1)
		c.W.Header().Set("X-Total", "3")
		c.Text(200, "items")
	})
	base, cl := serve(t, rt)
	const exposed = "Access-Control-Expose-Headers=X-Total, X-Page;"
	for _, tc := range []struct {
		origin, want string
	}{
		{"", "Vary=Origin;"},
		{"https://app.example.com", "Access-Control-Allow-Origin=https://app.example.com;" + exposed + "Vary=Origin;"},
		{"http://localhost:8080", "Access-Control-Allow-Origin=http://localhost:8080;" + exposed + "Vary=Origin;"},
		{"https://evil.example.net", "Vary=Origin;"},
		{"http://app.example.com", "Vary=Origin;"},
		{"https://app.example.com.evil.net", "Vary=Origin;"},
		{"null", "Vary=Origin;"},
		{"https://a-1.example.org", "Access-Control-Allow-Origin=https://a-1.example.org;" + exposed + "Vary=Origin;"},
		{"https://example.org", "Vary=Origin;"},
		{"https://.example.org", "Vary=Origin;"},
		{"https://a.b.example.org", "Vary=Origin;"},
		{"http://a.example.org", "Vary=Origin;"},
		{"https://a.example.org:8443", "Vary=Origin;"},
		{"https://evil.net/.example.org", "Vary=Origin;"},
	} {
		var hdr []string
		if tc.origin != "" {
			hdr = append(hdr, "Origin: "+tc.origin)
		}
		r := do(t, cl, "GET", base+"/items", "", hdr...)
		if got := corsFields(r); r.status != 200 || r.body != "items" || got != tc.want {
			t.Errorf("Origin %q: %d %q %s, want 200 %s", tc.origin, r.status, r.body, got, tc.want)
		}
	}
	if calls.Load() != 14 {
		t.Errorf("handler ran %d times, want 14: CORS must not stop actual requests", calls.Load())
	}
}

// With every origin allowed and no credentials the answer does not
// depend on the origin: "*" for everyone, and no Vary.
func TestCORSAnyOrigin(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Use(web.CORS(web.CORSOptions{}))
	rt.Get("/", func(c *web.Ctx) { c.Text(200, "ok") })
	base, cl := serve(t, rt)
	for _, origin := range []string{"", "https://a.example", "null"} {
		var hdr []string
		if origin != "" {
			hdr = append(hdr, "Origin: "+origin)
		}
		r := do(t, cl, "GET", base+"/", "", hdr...)
		if got := corsFields(r); got != "Access-Control-Allow-Origin=*;" {
			t.Errorf("Origin %q: %s", origin, got)
		}
	}
	r := do(t, cl, "OPTIONS", base+"/", "", "Origin: https://a.example", "Access-Control-Request-Method: POST",
		"Access-Control-Request-Headers: content-type")
	want := "Access-Control-Allow-Origin=*;Access-Control-Allow-Methods=GET, HEAD, POST;" +
		"Access-Control-Allow-Headers=content-type;Vary=Access-Control-Request-Method, Access-Control-Request-Headers;"
	if got := corsFields(r); r.status != 204 || got != want {
		t.Errorf("preflight: %d %s, want 204 %s", r.status, got, want)
	}
}

// With credentials, "*" must never be sent: the origin is echoed, and
// "null" is not covered by "*".
func TestCORSCredentials(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Use(web.CORS(web.CORSOptions{AllowedOrigins: []string{"*"}, AllowCredentials: true}))
	rt.Get("/", func(c *web.Ctx) { c.Text(200, "ok") })
	base, cl := serve(t, rt)
	r := do(t, cl, "GET", base+"/", "", "Origin: https://a.example")
	want := "Access-Control-Allow-Origin=https://a.example;Access-Control-Allow-Credentials=true;Vary=Origin;"
	if got := corsFields(r); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	r = do(t, cl, "GET", base+"/", "", "Origin: null")
	if got := corsFields(r); got != "Vary=Origin;" {
		t.Errorf("null origin: %s", got)
	}
	r = do(t, cl, "GET", base+"/", "")
	if got := corsFields(r); got != "Vary=Origin;" {
		t.Errorf("no origin: %s", got)
	}
}

func TestCORSPreflight(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Use(web.CORS(web.CORSOptions{
		AllowedOrigins:   []string{"https://app.example", "null"},
		AllowedMethods:   []string{"POST", "PUT"},
		AllowedHeaders:   []string{"Content-Type", "X-Token"},
		AllowCredentials: true,
		MaxAge:           10 * time.Minute,
	}))
	var calls atomic.Int32 // the handlers run on the loop
	// Only a POST route: the router would answer OPTIONS itself.
	rt.Post("/api/x", func(c *web.Ctx) { calls.Add(1); c.Text(200, "posted") })
	rt.Handle("OPTIONS", "/own", func(c *web.Ctx) { calls.Add(1); c.Text(200, "own options") })
	base, cl := serve(t, rt)

	const vary = "Vary=Origin, Access-Control-Request-Method, Access-Control-Request-Headers;"
	ok := func(origin, hdrs string) string {
		s := "Access-Control-Allow-Origin=" + origin + ";Access-Control-Allow-Credentials=true;" +
			"Access-Control-Allow-Methods=POST, PUT;"
		if hdrs != "" {
			s += "Access-Control-Allow-Headers=" + hdrs + ";"
		}
		return s + "Access-Control-Max-Age=600;" + vary
	}
	for _, tc := range []struct {
		path   string
		hdr    []string
		status int
		want   string
	}{
		{"/api/x", []string{"Origin: https://app.example", "Access-Control-Request-Method: PUT",
			"Access-Control-Request-Headers: content-type,x-token"}, 204, ok("https://app.example", "content-type,x-token")},
		// Header names are compared without regard to case; the
		// request's spelling is echoed.
		{"/api/x", []string{"Origin: https://app.example", "Access-Control-Request-Method: POST",
			"Access-Control-Request-Headers: X-TOKEN"}, 204, ok("https://app.example", "X-TOKEN")},
		{"/api/x", []string{"Origin: https://app.example", "Access-Control-Request-Method: POST"}, 204, ok("https://app.example", "")},
		{"/api/x", []string{"Origin: null", "Access-Control-Request-Method: POST"}, 204, ok("null", "")},
		// Denied: no CORS fields at all, and no handler.
		{"/api/x", []string{"Origin: https://evil.example", "Access-Control-Request-Method: POST"}, 204, vary},
		{"/api/x", []string{"Origin: https://app.example", "Access-Control-Request-Method: DELETE"}, 204, vary},
		{"/api/x", []string{"Origin: https://app.example", "Access-Control-Request-Method: put"}, 204, vary},
		{"/api/x", []string{"Origin: https://app.example", "Access-Control-Request-Method: PUT",
			"Access-Control-Request-Headers: content-type, x-other"}, 204, vary},
		{"/api/x", []string{"Origin: https://app.example", "Access-Control-Request-Method: PUT",
			"Access-Control-Request-Headers: authorization"}, 204, vary},
		// A registered OPTIONS route does not see preflights either.
		{"/own", []string{"Origin: https://app.example", "Access-Control-Request-Method: PUT"}, 204, ok("https://app.example", "")},
	} {
		r := do(t, cl, "OPTIONS", base+tc.path, "", tc.hdr...)
		if got := corsFields(r); r.status != tc.status || got != tc.want || r.body != "" {
			t.Errorf("%s %q:\n got %d %s %q\nwant %d %s", tc.path, tc.hdr, r.status, got, r.body, tc.status, tc.want)
		}
	}
	if calls.Load() != 0 {
		t.Errorf("handlers ran %d times for preflights", calls.Load())
	}

	// An OPTIONS without Access-Control-Request-Method is no preflight:
	// it goes on to the router (its automatic answer here) or the
	// route, as an actual request, whose method OPTIONS is not allowed
	// here: no CORS fields.
	r := do(t, cl, "OPTIONS", base+"/api/x", "", "Origin: https://app.example")
	if got := corsFields(r); r.status != 204 || r.header.Get("Allow") != "OPTIONS, POST" || got != "Vary=Origin;" {
		t.Errorf("plain OPTIONS: %d Allow %q %s", r.status, r.header.Get("Allow"), got)
	}
	r = do(t, cl, "OPTIONS", base+"/own", "", "Origin: https://app.example")
	if got := corsFields(r); r.status != 200 || r.body != "own options" || got != "Vary=Origin;" {
		t.Errorf("plain OPTIONS to a route: %d %q %s", r.status, r.body, got)
	}
	if calls.Load() != 1 {
		t.Errorf("OPTIONS route ran %d times, want 1", calls.Load())
	}
	// The actual request after the preflight.
	r = do(t, cl, "POST", base+"/api/x", "{}", "Origin: https://app.example", "Content-Type: application/json")
	if r.status != 200 || r.body != "posted" || r.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("POST: %d %q %s", r.status, r.body, corsFields(r))
	}
	// A method not allowed gets no CORS fields, though it runs.
	r = do(t, cl, "GET", base+"/api/x", "", "Origin: https://app.example")
	if got := corsFields(r); r.status != 405 || got != "Vary=Origin;" {
		t.Errorf("GET: %d %s", r.status, got)
	}
}

// "*" among the methods or headers echoes what was asked for, which
// browsers accept with credentials, unlike a literal "*"; it covers
// Authorization, which a "*" sent to the browser would not.
func TestCORSWildcardMethodsHeaders(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Use(web.CORS(web.CORSOptions{
		AllowOriginFunc:  func(o string) bool { return strings.HasSuffix(o, ".test") },
		AllowedMethods:   []string{"*"},
		AllowedHeaders:   []string{"*"},
		AllowCredentials: true,
		MaxAge:           -1,
	}))
	rt.Get("/", func(c *web.Ctx) { c.Text(200, "ok") })
	base, cl := serve(t, rt)
	r := do(t, cl, "OPTIONS", base+"/", "", "Origin: http://a.test", "Access-Control-Request-Method: PATCH",
		"Access-Control-Request-Headers: authorization, x-b")
	want := "Access-Control-Allow-Origin=http://a.test;Access-Control-Allow-Credentials=true;" +
		"Access-Control-Allow-Methods=PATCH;Access-Control-Allow-Headers=authorization, x-b;Access-Control-Max-Age=0;" +
		"Vary=Origin, Access-Control-Request-Method, Access-Control-Request-Headers;"
	if got := corsFields(r); r.status != 204 || got != want {
		t.Errorf("got %d %s\nwant 204 %s", r.status, got, want)
	}
	// Not a field name: refused rather than echoed.
	r = do(t, cl, "OPTIONS", base+"/", "", "Origin: http://a.test", "Access-Control-Request-Method: GET",
		"Access-Control-Request-Headers: x-a, x:b")
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("bad header name allowed: %s", corsFields(r))
	}
	// No preflight: the router's own answer, with the fields.
	r = do(t, cl, "OPTIONS", base+"/", "", "Origin: http://a.test")
	if r.status != 204 || r.header.Get("Allow") != "GET, HEAD, OPTIONS" || r.header.Get("Access-Control-Allow-Origin") != "http://a.test" {
		t.Errorf("plain OPTIONS: %d Allow %q %s", r.status, r.header.Get("Allow"), corsFields(r))
	}
	r = do(t, cl, "OPTIONS", base+"/", "", "Origin: http://a.example", "Access-Control-Request-Method: GET")
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("origin refused by the func allowed: %s", corsFields(r))
	}
}

// As group middleware CORS answers the preflights to the group's paths,
// which the router would otherwise answer itself (a path with only a
// POST route has no OPTIONS route); a group with its own OPTIONS route,
// as was once needed, still works.
func TestCORSGroupAnswersPreflight(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	opts := web.CORSOptions{AllowedOrigins: []string{"https://app.example"}}
	plain := rt.Group("/plain", web.CORS(opts))
	plain.Post("/x", func(c *web.Ctx) { c.Text(200, "x") })
	api := rt.Group("/api", web.CORS(opts))
	api.Post("/x", func(c *web.Ctx) { c.Text(200, "x") })
	api.Handle("OPTIONS", "/*rest", func(c *web.Ctx) { c.W.WriteHeader(204) })
	rt.Post("/other/x", func(c *web.Ctx) { c.Text(200, "x") })
	base, cl := serve(t, rt)
	pre := []string{"Origin: https://app.example", "Access-Control-Request-Method: POST"}
	for _, path := range []string{"/plain/x", "/api/x"} {
		if r := do(t, cl, "OPTIONS", base+path, "", pre...); r.status != 204 ||
			r.header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
			r.header.Get("Access-Control-Allow-Methods") == "" {
			t.Errorf("preflight to %s: %d %s", path, r.status, corsFields(r))
		}
		if r := do(t, cl, "POST", base+path, "b", pre[0]); r.status != 200 ||
			r.header.Get("Access-Control-Allow-Origin") != "https://app.example" {
			t.Errorf("POST %s: %d %s", path, r.status, corsFields(r))
		}
	}
	// A preflight from an origin the group does not allow gets no
	// fields, which fails it.
	if r := do(t, cl, "OPTIONS", base+"/plain/x", "", "Origin: https://evil.example",
		"Access-Control-Request-Method: POST"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %s", r.status, corsFields(r))
	}
	// Outside the group the router answers, without CORS.
	if r := do(t, cl, "OPTIONS", base+"/other/x", "", pre...); r.status != 204 ||
		r.header.Get("Allow") != "OPTIONS, POST" || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight outside the group: %d Allow %q %s", r.status, r.header.Get("Allow"), corsFields(r))
	}
}

func TestCORSBadOptions(t *testing.T) {
	for _, opt := range []web.CORSOptions{
		{AllowedOrigins: []string{"https://example.com/app"}},
		{AllowedOrigins: []string{"example.com"}},
		{AllowedOrigins: []string{"https://*.*.example.com"}},
		{AllowedOrigins: []string{"https://a.*.example.com"}},
		{AllowedOrigins: []string{"https://*."}},
		{AllowedOrigins: []string{"https://user@example.com"}},
		{AllowedOrigins: []string{"://example.com"}},
		// Browsers send "https://xn--caf-dma.example": this would
		// never match, silently.
		{AllowedOrigins: []string{"https://café.example"}},
		{AllowedOrigins: []string{"https://*.bücher.de"}},
		{AllowedMethods: []string{"GET POST"}},
		{AllowedHeaders: []string{"X-A,X-B"}},
		{ExposedHeaders: []string{""}},
	} {
		func() {
			defer func() {
				v := recover()
				err, _ := v.(error)
				if !errors.Is(err, web.ErrCORSOptions) {
					t.Errorf("%+v: recovered %v, want ErrCORSOptions", opt, v)
				}
			}()
			web.CORS(opt)
		}()
	}
	// Normalised, not refused.
	web.CORS(web.CORSOptions{AllowedOrigins: []string{"HTTPS://Example.COM:443/", "http://x.example:80", "null", "*"}})
}

// varyTokens lists the tokens of every Vary field of r, lowercased.
func varyTokens(r result) map[string]bool {
	set := map[string]bool{}
	for _, v := range r.header.Values("Vary") {
		for part := range strings.SplitSeq(v, ",") {
			if p := strings.TrimSpace(part); p != "" {
				set[strings.ToLower(p)] = true
			}
		}
	}
	return set
}

// A handler that adds a Vary field of its own, as CORS asks, beside
// the one CORS added, must keep it when Gzip (or CORS itself) adds a
// token: adding one used to rewrite the first Vary field into the only
// one, dropping the handler's, and caches then served one language's
// page for all.
func TestVaryKeepsEveryField(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Use(web.Gzip(web.GzipOptions{MinSize: 1}), web.CORS(web.CORSOptions{
		AllowedOrigins: []string{"https://app.example.com"},
	}))
	page := strings.Repeat("bonjour ", 100)
	rt.Get("/page", func(c *web.Ctx) {
		c.W.Header().Add("Vary", "Accept-Language")
		c.Text(200, page)
	})
	base, cl := serve(t, rt)
	for _, hdr := range [][]string{
		{"Accept-Encoding: gzip"},
		{"Accept-Encoding: gzip", "Origin: https://app.example.com"},
		{"Accept-Encoding: identity"},
	} {
		r := do(t, cl, "GET", base+"/page", "", hdr...)
		got := varyTokens(r)
		if r.status != 200 || !got["origin"] || !got["accept-language"] || !got["accept-encoding"] {
			t.Errorf("%v: %d Vary %q, want Origin, Accept-Language and Accept-Encoding",
				hdr, r.status, r.header.Values("Vary"))
		}
	}
}

// When every origin gets "*", responses carry no "Vary: Origin", so a
// response without an Origin must grant no more than one with: a
// method outside AllowedMethods used to get "*" when the request had
// no Origin, and a cache keeping that answer handed it to cross-origin
// requests that the policy refuses.
func TestCORSAnyOriginSameWithoutOrigin(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Use(web.CORS(web.CORSOptions{AllowedMethods: []string{"POST"}}))
	rt.Get("/", func(c *web.Ctx) { c.Text(200, "ok") })
	rt.Post("/", func(c *web.Ctx) { c.Text(200, "ok") })
	base, cl := serve(t, rt)
	for _, method := range []string{"GET", "POST"} {
		with := do(t, cl, method, base+"/", "", "Origin: https://a.example")
		without := do(t, cl, method, base+"/", "")
		if w, wo := corsFields(with), corsFields(without); with.status != 200 || without.status != 200 || w != wo {
			t.Errorf("%s: with an Origin %q, without %q: want the same", method, w, wo)
		}
	}
}
