package web_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

func TestRequestHelpers(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Get("/q", func(c *web.Ctx) {
		q := c.Query()
		q2 := c.Query()
		same := fmt.Sprintf("%p", q) == fmt.Sprintf("%p", q2)
		c.Text(200, fmt.Sprintf("%s %v %v %v", c.QueryValue("a"), q["b"], same, c.QueryErr() != nil))
	})
	rt.Get("/cookie", func(c *web.Ctx) {
		v, err := c.Cookie("sid")
		_, err2 := c.Cookie("none")
		c.Text(200, fmt.Sprintf("%s %v %v", v, err, errors.Is(err2, web.ErrNoCookie)))
	})
	rt.Get("/set", func(c *web.Ctx) {
		err1 := c.SetCookie(&web.Cookie{Name: "sid", Value: "v1", Path: "/", HttpOnly: true, SameSite: web.SameSiteLax})
		err2 := c.SetCookie(&web.Cookie{Name: "bad name", Value: "v"})
		c.Text(200, fmt.Sprint(err1, " ", errors.Is(err2, web.ErrCookie)))
	})
	type item struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	rt.Post("/json", func(c *web.Ctx) {
		var it item
		c.ReadJSON(64, &it, func(err error) {
			if err != nil {
				c.Error(err)
				return
			}
			it.N++
			c.JSON(201, it)
		})
	})
	rt.Post("/form", func(c *web.Ctx) {
		c.ReadForm(1024, func(v url.Values, err error) {
			if err != nil {
				c.Error(err)
				return
			}
			c.Text(200, v.Get("x")+"|"+strings.Join(v["y"], ","))
		})
	})
	rt.Get("/redirect/:code", func(c *web.Ctx) {
		code := 0
		fmt.Sscan(c.Param("code"), &code)
		if err := c.Redirect(code, "/target?x=1"); err != nil {
			c.Error(&web.HTTPError{Code: 400, Err: err})
		}
	})
	base, cl := serve(t, rt)

	if r := do(t, cl, "GET", base+"/q?a=1&b=2&b=3", ""); r.body != "1 [2 3] true false" {
		t.Errorf("query: %q", r.body)
	}
	if r := do(t, cl, "GET", base+"/q?a=1;x=2", ""); r.body != " [] true true" {
		t.Errorf("bad query: %q", r.body)
	}
	if r := do(t, cl, "GET", base+"/cookie", "", "Cookie: a=1; sid=\"xyz\"", "Cookie: b=2"); r.body != "xyz <nil> true" {
		t.Errorf("cookie: %q", r.body)
	}
	r := do(t, cl, "GET", base+"/set", "")
	if r.body != "<nil> true" || len(r.header.Values("Set-Cookie")) != 1 || r.header.Get("Set-Cookie") != "sid=v1; Path=/; HttpOnly; SameSite=Lax" {
		t.Errorf("set cookie: %q %q", r.body, r.header.Values("Set-Cookie"))
	}
	if r := do(t, cl, "POST", base+"/json", `{"name":"a","n":1}`, "Content-Type: application/json"); r.status != 201 || r.body != "{\"name\":\"a\",\"n\":2}\n" || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("json: %d %q", r.status, r.body)
	}
	if r := do(t, cl, "POST", base+"/json", `{"name":`, "Content-Type: application/json"); r.status != 400 {
		t.Errorf("bad json: %d %q", r.status, r.body)
	}
	if r := do(t, cl, "POST", base+"/json", `{"name":"`+strings.Repeat("x", 100)+`"}`); r.status != 413 {
		t.Errorf("large json: %d %q", r.status, r.body)
	}
	if r := do(t, cl, "POST", base+"/json", `{}`, "Content-Type: text/plain"); r.status != 415 {
		t.Errorf("json content type: %d %q", r.status, r.body)
	}
	if r := do(t, cl, "POST", base+"/form", "x=1&y=a&y=b%20c", "Content-Type: application/x-www-form-urlencoded"); r.body != "1|a,b c" {
		t.Errorf("form: %d %q", r.status, r.body)
	}
	if r := do(t, cl, "POST", base+"/form", "x=1", "Content-Type: application/json"); r.status != 415 {
		t.Errorf("form type: %d", r.status)
	}
	for _, code := range []int{301, 302, 303, 307, 308} {
		r := do(t, cl, "GET", fmt.Sprintf("%s/redirect/%d", base, code), "")
		if r.status != code || r.header.Get("Location") != "/target?x=1" {
			t.Errorf("redirect %d: %d %q", code, r.status, r.header.Get("Location"))
		}
	}
	if r := do(t, cl, "GET", base+"/redirect/200", ""); r.status != 400 {
		t.Errorf("redirect 200: %d", r.status)
	}
}

// SetCookie refuses attributes RFC 6265 §4.1.1 does not allow, rather
// than sending them: an empty Domain ("." alone) or one with an empty
// label, and a Path with octets outside US-ASCII.
func TestSetCookieBadAttributes(t *testing.T) {
	leakcheck.Check(t)
	bad := []web.Cookie{
		{Name: "a", Value: "b", Domain: "."},
		{Name: "a", Value: "b", Domain: "example..com"},
		{Name: "a", Value: "b", Path: "/caf\xc3\xa9"},
	}
	rt := web.New()
	rt.Get("/set", func(c *web.Ctx) {
		var out []string
		for i := range bad {
			out = append(out, fmt.Sprint(errors.Is(c.SetCookie(&bad[i]), web.ErrCookie)))
		}
		c.Text(200, strings.Join(out, " "))
	})
	base, cl := serve(t, rt)
	r := do(t, cl, "GET", base+"/set", "")
	if r.body != "true true true" || len(r.header.Values("Set-Cookie")) != 0 {
		t.Errorf("got %q, Set-Cookie %q", r.body, r.header.Values("Set-Cookie"))
	}
}
