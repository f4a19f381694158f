package httpclient

// commonName returns the canonical key (as textproto.CanonicalMIMEHeaderKey
// makes it) of a frequent response field name, spelt canonically, in
// lower case, or as servers commonly send it, and false for any other name.
// It lets the response header be built without copying or canonicalising
// those names.
func commonName(b []byte) (string, bool) {
	switch string(b) {
	case "Accept-Ranges", "accept-ranges":
		return "Accept-Ranges", true
	case "Age", "age":
		return "Age", true
	case "Cache-Control", "cache-control":
		return "Cache-Control", true
	case "Connection", "connection":
		return "Connection", true
	case "Content-Encoding", "content-encoding":
		return "Content-Encoding", true
	case "Content-Length", "content-length":
		return "Content-Length", true
	case "Content-Type", "content-type":
		return "Content-Type", true
	case "Date", "date":
		return "Date", true
	case "Etag", "ETag", "etag":
		return "Etag", true
	case "Expires", "expires":
		return "Expires", true
	case "Keep-Alive", "keep-alive":
		return "Keep-Alive", true
	case "Last-Modified", "last-modified":
		return "Last-Modified", true
	case "Location", "location":
		return "Location", true
	case "Server", "server":
		return "Server", true
	case "Set-Cookie", "set-cookie":
		return "Set-Cookie", true
	case "Transfer-Encoding", "transfer-encoding":
		return "Transfer-Encoding", true
	case "Vary", "vary":
		return "Vary", true
	}
	return "", false
}
