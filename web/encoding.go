package web

import (
	"strconv"
	"strings"

	"github.com/eddy-go/eddy/httpserver"
)

// codingQ returns the weight an Accept-Encoding value gives the content
// coding token (RFC 9110 §12.5.3): its own entry, else the "*" entry's,
// else 0 — except for "identity", acceptable unless excluded ("identity;
// q=0", or "*;q=0" with no entry of its own). A value that is absent
// (present false) accepts identity only.
func codingQ(v string, present bool, token string) float64 {
	identity := token == "identity"
	if !present {
		if identity {
			return 1
		}
		return 0
	}
	star, hasStar := 0.0, false
	for item := range strings.SplitSeq(v, ",") {
		name, params, _ := strings.Cut(item, ";")
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		q := weight(params)
		switch {
		case strings.EqualFold(name, token):
			return q
		case name == "*":
			star, hasStar = q, true
		}
	}
	if hasStar {
		if identity && star == 0 {
			return 0
		}
		if !identity {
			return star
		}
	}
	if identity {
		return 1
	}
	return 0
}

// weight returns the q parameter among params (" q=0.5; x=y"), 1 if
// there is none, 0 if it does not parse.
func weight(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || q < 0 || q > 1 {
				return 0
			}
			return q
		}
	}
	return 1
}

// wantGzip decides, from a request's Accept-Encoding, whether to gzip a
// response: must (identity refused, gzip accepted), or may (gzip
// accepted at least as much as identity).
func wantGzip(v string, present bool) (may, must bool) {
	g := codingQ(v, present, "gzip")
	if g <= 0 {
		return false, false
	}
	id := codingQ(v, present, "identity")
	return g >= id, id == 0
}

// compressible reports whether a media type is worth compressing: text,
// and the structured text formats (JSON, JavaScript, XML, SVG, …).
func compressible(ctype string) bool {
	mt, _, _ := strings.Cut(ctype, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/x-javascript",
		"application/ecmascript", "application/xml", "application/xhtml+xml",
		"application/rss+xml", "application/atom+xml", "application/wasm",
		"application/manifest+json", "application/ld+json", "application/graphql-response+json",
		"image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon", "image/bmp",
		"font/ttf", "font/otf", "application/vnd.ms-fontobject", "application/x-font-ttf":
		return true
	}
	return strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml")
}

// gzipETag turns a strong entity tag into the one of its gzip-encoded
// form, so that caches do not mix the two encodings; weak tags stay.
func gzipETag(tag string) string {
	if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return tag
	}
	return tag[:len(tag)-1] + `-gzip"`
}

// addVary adds token to the Vary header unless it is listed already.
// Every Vary field counts: a handler may have added one of its own
// beside CORS's, and rewriting the first into the only one would drop
// the others (a cache would then mix what they vary by). With one field,
// as is usual, the token joins it; with several, it gets its own line.
func addVary(h *httpserver.Header, token string) {
	n, first := 0, ""
	for v := range h.Values("Vary") {
		for part := range strings.SplitSeq(v, ",") {
			if p := strings.TrimSpace(part); strings.EqualFold(p, token) || p == "*" {
				return
			}
		}
		if n == 0 {
			first = v
		}
		n++
	}
	switch {
	case n != 1:
		// None yet (as mostly before a handler has run: no value to
		// rewrite), or several.
		h.Add("Vary", token)
	case strings.TrimSpace(first) == "":
		h.Set("Vary", token)
	default:
		h.Set("Vary", first+", "+token)
	}
}
