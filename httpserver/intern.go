package httpserver

// Common request strings, shared instead of copied for every request:
// header names exactly as most clients spell them, methods and a few
// frequent values. Only exact byte matches are shared.
var (
	commonNames = [...]string{
		"Host", "Accept", "Accept-Encoding", "Accept-Language", "User-Agent",
		"Connection", "Content-Type", "Content-Length", "Cookie", "Referer",
		"Cache-Control", "Origin", "Authorization", "Upgrade-Insecure-Requests",
		"Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User",
		"Pragma", "If-None-Match", "If-Modified-Since", "X-Forwarded-For",
		"X-Requested-With", "DNT", "TE", "Priority",
		"accept", "accept-encoding", "accept-language", "user-agent",
		"content-type", "content-length", "cookie", "referer", "origin",
		"authorization", "host", "connection", "cache-control",
	}
	commonValues = [...]string{
		"keep-alive", "close", "*/*", "gzip", "gzip, deflate", "gzip, deflate, br",
		"gzip, deflate, br, zstd", "no-cache", "max-age=0", "1", "document",
		"navigate", "none", "same-origin", "cors", "empty", "?1", "trailers",
		"application/json", "text/plain", "application/x-www-form-urlencoded",
	}
	commonMethods = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"}
)

// internMax is one more than the longest string interned.
const internMax = 40

// internTable lists the common strings by length.
type internTable [internMax][]string

var (
	nameTable   = makeInternTable(commonNames[:])
	valueTable  = makeInternTable(commonValues[:])
	methodTable = makeInternTable(commonMethods[:])
)

func makeInternTable(list []string) *internTable {
	t := new(internTable)
	for _, s := range list {
		t[len(s)] = append(t[len(s)], s)
	}
	return t
}

// lookup returns the common string equal to b, if there is one.
func (t *internTable) lookup(b []byte) (string, bool) {
	if len(b) == 0 || len(b) >= internMax {
		return "", false
	}
	for _, s := range t[len(b)] {
		if string(b) == s {
			return s, true
		}
	}
	return "", false
}
