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
	// Path and Domain scope the cookie; empty omits them. Path must
	// not begin or end with a space (browsers trim it), and Domain must
	// be a host name by RFC 6265 §4.1.2.3 (labels of letters, digits
	// and inner hyphens, no final dot) or an IPv4 address, a leading
	// "." allowed and dropped.
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
		if !cookieOctets(val) {
			// Not validCookieValue, which would take off a second
			// pair of quotes: `""""` is no cookie-value.
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
	return cookieOctets(v)
}

// cookieOctets checks *cookie-octet (RFC 6265 §4.1.1).
func cookieOctets(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

// validAttr checks an attribute value: US-ASCII, no CTLs and no ';';
// nor spaces at either end, which a browser trims (RFC 6265 §5.2) and
// which, at the end of the field, would make the field invalid.
func validAttr(v string) bool {
	if v != "" && (v[0] == ' ' || v[len(v)-1] == ' ') {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}

// validDomain checks a Domain attribute: "" (none), or a host name by
// RFC 6265 §4.1.2.3 (a subdomain of RFC 1034 §3.5 as RFC 1123 §2.1
// relaxes it: labels of 1 to 63 letters, digits and hyphens that
// neither start nor end with a hyphen), which a leading '.' may precede
// and which an IPv4 address also matches. A name a browser cannot
// domain-match, such as "-x.com" or "a.", would be dropped by it.
func validDomain(d string) bool {
	if d == "" {
		return true
	}
	d = strings.TrimPrefix(d, ".")
	if d == "" || len(d) > 253 {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
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
