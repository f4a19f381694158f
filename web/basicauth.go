package web

import (
	"encoding/base64"
	"strings"
)

// BasicAuth returns middleware that lets a request through to the
// handler only with HTTP Basic credentials (RFC 7617) that check
// accepts. Any other request, one without an Authorization field or
// with one that does not parse included, is answered with 401 and a
// challenge, `WWW-Authenticate: Basic realm="…", charset="UTF-8"`, which
// makes browsers ask for a user name and password; check is not called
// for it.
//
// check runs on the loop and must not block. Compare secrets in
// constant time, for example by comparing SHA-256 sums with
// crypto/subtle.ConstantTimeCompare (see the example): a plain == tells
// a patient attacker how many leading bytes were right. A lookup that
// must wait (a database, Redis) belongs in a Hook instead, which may
// return a future and reads the credentials with Ctx.BasicAuth.
//
// Browsers send no credentials with a CORS preflight: under CORS, put
// this middleware after it. Quotes and backslashes in realm are escaped;
// control characters are dropped. BasicAuth panics if check is nil.
func BasicAuth(realm string, check func(c *Ctx, user, pass string) bool) Middleware {
	if check == nil {
		panic("web: BasicAuth with a nil check")
	}
	challenge := `Basic realm="` + quoteRealm(realm) + `", charset="UTF-8"`
	return func(next Handler) Handler {
		return func(c *Ctx) {
			if user, pass, ok := c.BasicAuth(); ok && check(c, user, pass) {
				next(c)
				return
			}
			c.W.Header().Set("WWW-Authenticate", challenge)
			c.Text(401, "401 unauthorized\n")
		}
	}
}

// BasicAuth returns the user name and password of the request's
// Authorization field when it holds HTTP Basic credentials (RFC 7617):
// the scheme "Basic" in any case, then the base64 (standard alphabet,
// padded) of the user name, a colon and the password. The user name
// ends at the first colon; the password may hold more. ok is false when
// there is no such field or it does not parse.
func (c *Ctx) BasicAuth() (user, pass string, ok bool) {
	v, found := c.R.Header.Lookup("Authorization")
	if !found {
		return "", "", false
	}
	return parseBasicAuth(v)
}

// parseBasicAuth parses the value of an Authorization field holding
// Basic credentials.
func parseBasicAuth(v string) (user, pass string, ok bool) {
	const scheme = "Basic"
	if len(v) <= len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) || v[len(scheme)] != ' ' {
		return "", "", false
	}
	// RFC 9110 allows one or more spaces after the scheme.
	token := strings.TrimLeft(v[len(scheme):], " ")
	var buf [192]byte
	var dec []byte
	if base64.StdEncoding.DecodedLen(len(token)) <= len(buf) {
		n, err := base64.StdEncoding.Decode(buf[:], []byte(token))
		if err != nil {
			return "", "", false
		}
		dec = buf[:n]
	} else {
		b, err := base64.StdEncoding.DecodeString(token)
		if err != nil {
			return "", "", false
		}
		dec = b
	}
	// One string for both, cut in two.
	user, pass, ok = strings.Cut(string(dec), ":")
	if !ok {
		return "", "", false
	}
	return user, pass, true
}

// quoteRealm escapes s for a quoted-string (RFC 9110, section 5.6.4):
// a backslash before each quote and backslash, and control characters,
// which a field value may not hold, dropped.
func quoteRealm(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 && c != '\t' || c == 0x7f:
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
