package web_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// Regression tests for what TestRequestTorture found.

// ReadMultipart reads multipart/form-data only (415 for multipart/mixed,
// as its documentation says and net/http does), and takes only form
// fields: parts with a "form-data" Content-Disposition and a name (RFC
// 7578 §4.2). Parts without one were added under the name "" or under
// the name of an "attachment" disposition.
func TestReadMultipartFormFieldsOnly(t *testing.T) {
	leakcheck.Check(t)
	tmp := t.TempDir()
	rt := web.New()
	rt.Post("/up", func(c *web.Ctx) {
		c.ReadMultipart(web.MultipartOptions{TempDir: tmp}, func(f *web.Form, err error) {
			if err != nil {
				c.W.Header().Set("X-Err", errTag(err))
				c.Error(err)
				return
			}
			var files []string
			for k, ps := range f.Files {
				for _, p := range ps {
					files = append(files, k+":"+p.Filename)
				}
			}
			c.Text(200, strings.TrimSpace(canonValues(f.Values)+strings.Join(files, ",")))
		})
	})
	base, cl := serve(t, rt)
	body := "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n" +
		"--b\r\nContent-Disposition: attachment; name=\"att\"\r\n\r\n2\r\n" +
		"--b\r\nContent-Disposition: form-data\r\n\r\n3\r\n" +
		"--b\r\nContent-Disposition: form-data; filename=\"f.txt\"\r\n\r\n4\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\n5\r\n" +
		"--b\r\nContent-Disposition: Form-Data; name=\"f\"; filename=\"g.txt\"\r\n\r\n6\r\n--b--"
	r := do(t, cl, "POST", base+"/up", body, "Content-Type: multipart/form-data; boundary=b")
	if want := `"a"=["1"]` + "\n" + "f:g.txt"; r.status != 200 || r.body != want {
		t.Errorf("form-data: %d %q, want %q", r.status, r.body, want)
	}
	r = do(t, cl, "POST", base+"/up", body, "Content-Type: multipart/mixed; boundary=b")
	if r.status != 415 || r.header.Get("X-Err") != "ctype,http415" {
		t.Errorf("multipart/mixed: %d %q %q, want 415 and ErrContentType", r.status, r.header.Get("X-Err"), r.body)
	}
}

// Redirect drops the spaces around a location, as a browser's URL parser
// does. It sent them, and the server dropped the Location field that
// began or ended with one: a redirect without a Location. Bytes beyond
// ASCII are percent-encoded, as a URI-reference needs (and net/http's
// Redirect does); they went out raw.
func TestRedirectLocationSpaces(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Get("/r", func(c *web.Ctx) {
		if err := c.Redirect(302, c.QueryValue("l")); err != nil {
			c.Text(500, err.Error())
		}
	})
	base, cl := serve(t, rt)
	for _, l := range []string{" /next", "/next ", "  /next  "} {
		r := do(t, cl, "GET", base+"/r?l="+strings.ReplaceAll(l, " ", "%20"), "")
		if r.status != 302 || r.header.Get("Location") != "/next" {
			t.Errorf("Redirect(302, %q): %d Location %q", l, r.status, r.header.Get("Location"))
		}
	}
	r := do(t, cl, "GET", base+"/r?l=/caf%C3%A9?q=%C3%A9%2520", "")
	if want := "/caf%C3%A9?q=%C3%A9%20"; r.status != 302 || r.header.Get("Location") != want {
		t.Errorf("Redirect(302, %q): %d Location %q, want %q", "/café?q=é%20", r.status, r.header.Get("Location"), want)
	}
}

// SetCookie refuses, with ErrCookie, what it cannot send as given: a Path
// with a space at an end (a browser trims it; at the end of the field
// the server dropped the whole Set-Cookie field, and SetCookie reported
// success), and a Domain that is no host name by RFC 6265 §4.1.2.3
// (labels of 1 to 63 letters, digits and hyphens, no hyphen at either
// end, no final dot), which browsers ignore, dropping the cookie.
func TestSetCookieRefusesUnsendable(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Get("/c", func(c *web.Ctx) {
		k := &web.Cookie{Name: "a", Value: "v", Path: c.QueryValue("p"), Domain: c.QueryValue("d")}
		if err := c.SetCookie(k); err != nil {
			c.W.Header().Set("X-Err", errTag(err))
		}
		c.Text(200, "ok")
	})
	base, cl := serve(t, rt)
	for _, bad := range []string{"p=/a%20", "p=%20/a", "d=-x.com", "d=x-.com", "d=a.", "d=" + strings.Repeat("a", 64) + ".com", "d=a..b", "d=x_y.com"} {
		r := do(t, cl, "GET", base+"/c?"+bad, "")
		if r.header.Get("X-Err") != "cookie" || len(r.header.Values("Set-Cookie")) != 0 {
			t.Errorf("%s: X-Err %q, Set-Cookie %q; want ErrCookie and nothing sent", bad, r.header.Get("X-Err"), r.header.Values("Set-Cookie"))
		}
	}
	for _, good := range []string{"p=/a%20b", "d=example.com", "d=.Example.COM", "d=1.2.3.4", "d=" + strings.Repeat("a", 63) + ".com", "d=x-y.com", "d=1x.com"} {
		r := do(t, cl, "GET", base+"/c?"+good, "")
		if r.header.Get("X-Err") != "" || len(r.header.Values("Set-Cookie")) != 1 {
			t.Errorf("%s: X-Err %q, Set-Cookie %q; want it sent", good, r.header.Get("X-Err"), r.header.Values("Set-Cookie"))
		}
	}
	if _, err := (&web.Cookie{Name: "a", Domain: "-x.com"}).String(); !errors.Is(err, web.ErrCookie) {
		t.Errorf("String with Domain -x.com: %v", err)
	}
}
