package web

import (
	"strconv"
	"strings"
	"time"
)

// SameSite is a cookie's SameSite attribute.
type SameSite uint8

// SameSite values; SameSiteDefault sends no attribute.
const (
	SameSiteDefault SameSite = iota
	SameSiteLax
	SameSiteStrict
	SameSiteNone
)

// Cookie is a cookie to send with Ctx.SetCookie (RFC 6265 and the
// Partitioned attribute of CHIPS).
type Cookie struct {
	// Name and Value are the cookie pair. Value may be empty.
	Name, Value string
	// Path and Domain scope the cookie; empty omits them.
	Path, Domain string
	// Expires is sent when not zero.
	Expires time.Time
	// MaxAge is sent as Max-Age when positive; negative sends
	// "Max-Age=0", deleting the cookie.
	MaxAge int
	// Secure, HttpOnly and Partitioned are the flag attributes.
	// Partitioned requires Secure.
	Secure, HttpOnly, Partitioned bool
	// SameSite is sent unless SameSiteDefault. SameSiteNone requires
	// Secure.
	SameSite SameSite
}

// String returns the Set-Cookie field value for k, or an error matching
// ErrCookie if k cannot be sent.
func (k *Cookie) String() (string, error) {
	if !isToken(k.Name) {
		return "", cookieErr("name", k.Name)
	}
	if !validCookieValue(k.Value) {
		return "", cookieErr("value", k.Value)
	}
	if !validAttr(k.Path) {
		return "", cookieErr("path", k.Path)
	}
	if !validDomain(k.Domain) {
		return "", cookieErr("domain", k.Domain)
	}
	if (k.Partitioned || k.SameSite == SameSiteNone) && !k.Secure {
		return "", cookieErr("attributes", "Partitioned and SameSite=None require Secure")
	}
	var b strings.Builder
	b.WriteString(k.Name)
	b.WriteByte('=')
	b.WriteString(k.Value)
	if k.Path != "" {
		b.WriteString("; Path=" + k.Path)
	}
	if k.Domain != "" {
		b.WriteString("; Domain=" + strings.TrimPrefix(k.Domain, "."))
	}
	if !k.Expires.IsZero() {
		if y := k.Expires.UTC().Year(); y < 1601 || y > 9999 {
			return "", cookieErr("expires", k.Expires.String())
		}
		b.WriteString("; Expires=" + k.Expires.UTC().Format(httpTime))
	}
	if k.MaxAge > 0 {
		b.WriteString("; Max-Age=" + strconv.Itoa(k.MaxAge))
	} else if k.MaxAge < 0 {
		b.WriteString("; Max-Age=0")
	}
	if k.Secure {
		b.WriteString("; Secure")
	}
	if k.HttpOnly {
		b.WriteString("; HttpOnly")
	}
	switch k.SameSite {
	case SameSiteLax:
		b.WriteString("; SameSite=Lax")
	case SameSiteStrict:
		b.WriteString("; SameSite=Strict")
	case SameSiteNone:
		b.WriteString("; SameSite=None")
	}
	if k.Partitioned {
		b.WriteString("; Partitioned")
	}
	return b.String(), nil
}

// httpTime is the IMF-fixdate layout of RFC 9110 §5.6.7.
const httpTime = "Mon, 02 Jan 2006 15:04:05 GMT"

// SetCookie adds a Set-Cookie field for k, or returns an error matching
// ErrCookie and adds nothing.
func (c *Ctx) SetCookie(k *Cookie) error {
	s, err := k.String()
	if err != nil {
		return err
	}
	c.W.Header().Add("Set-Cookie", s)
	return nil
}

// Cookie returns the value of the request cookie name, or ErrNoCookie.
// The Cookie fields are parsed on the first call; malformed pairs are
// skipped.
func (c *Ctx) Cookie(name string) (string, error) {
	if !c.parsedCk {
		c.parsedCk = true
		for v := range c.R.Header.Values("Cookie") {
			c.cookies = parseCookies(c.cookies, v)
		}
	}
	for _, p := range c.cookies {
		if p.Name == name {
			return p.Value, nil
		}
	}
	return "", ErrNoCookie
}

// parseCookies appends the valid pairs of a Cookie field value to dst.
func parseCookies(dst []Param, v string) []Param {
	for v != "" {
		var pair string
		pair, v, _ = strings.Cut(v, ";")
		pair = strings.TrimSpace(pair)
		name, val, ok := strings.Cut(pair, "=")
		if !ok || !isToken(name) {
			continue
		}
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		if !validCookieValue(val) {
			continue
		}
		dst = append(dst, Param{Name: name, Value: val})
	}
	return dst
}

// validCookieValue checks cookie-value: cookie-octets, optionally in
// double quotes.
func validCookieValue(v string) bool {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

// validAttr checks an attribute value: US-ASCII, no CTLs and no ';'.
func validAttr(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}

// validDomain checks a Domain attribute: "" (none), or letters, digits,
// '-' and '.' without empty labels (a leading '.' is dropped).
func validDomain(d string) bool {
	if d == "" {
		return true
	}
	d = strings.TrimPrefix(d, ".")
	if d == "" || len(d) > 253 || strings.Contains(d, "..") {
		return false
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func cookieErr(what, v string) error {
	return &cookieError{what: what, v: v}
}

// cookieError reports an invalid cookie part.
type cookieError struct{ what, v string }

func (e *cookieError) Error() string {
	return "web: invalid cookie " + e.what + ": " + strconv.Quote(e.v)
}
func (e *cookieError) Unwrap() error { return ErrCookie }
