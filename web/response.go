package web

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpserver"
)

// Text sends status and s as text/plain. It does nothing to the head
// once that has been sent.
func (c *Ctx) Text(status int, s string) {
	if !c.W.Committed() {
		h := c.W.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		c.W.WriteHeader(status)
	}
	c.W.WriteString(s)
}

// JSON sends status and v encoded as JSON (application/json). An
// encoding failure sends 500 instead and is returned.
func (c *Ctx) JSON(status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		c.Error(err)
		return err
	}
	c.W.Header().Set("Content-Type", "application/json")
	c.W.WriteHeader(status)
	b = append(b, '\n')
	_, err = c.W.Write(b)
	return err
}

// Redirect sends a redirect to location with status, which must be 300,
// 301, 302, 303, 307 or 308: 303 to turn a POST into a GET, 307 and 308
// to keep the method (temporary and permanent), 301 and 302 for the
// historic behaviour. Other statuses, and a location holding control
// characters, return ErrRedirectStatus and send nothing. Spaces around
// location are dropped, as a browser's URL parser drops them: a field
// value cannot start or end with one. Bytes beyond ASCII, which a
// URI-reference (RFC 9110 §10.2.2, RFC 3986) cannot hold, are
// percent-encoded, as net/http's Redirect does: "/café" is sent as
// "/caf%C3%A9", which browsers show and follow as the same URL.
func (c *Ctx) Redirect(status int, location string) error {
	switch status {
	case 300, 301, 302, 303, 307, 308:
	default:
		return ErrRedirectStatus
	}
	location = strings.Trim(location, " ")
	ascii := true
	for i := 0; i < len(location); i++ {
		switch b := location[i]; {
		case b < ' ' || b == 0x7f:
			return ErrRedirectStatus
		case b >= 0x80:
			ascii = false
		}
	}
	if !ascii {
		location = escapeNonASCII(location)
	}
	c.W.Header().Set("Location", location)
	c.Text(status, http.StatusText(status)+"\n")
	return nil
}

// escapeNonASCII percent-encodes the bytes of s beyond ASCII.
func escapeNonASCII(s string) string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// StatusOf maps an error to the HTTP status that answers it: the Code of
// an *HTTPError, 404 for ErrNotFound and fs.ErrNotExist, 403 for
// fs.ErrPermission, 413 for httpserver.ErrBodyTooLarge, 415 for
// ErrContentType, 408 for httpserver.ErrTimeout, 503 for
// httpserver.ErrHandlerTimeout (Timeout gave up on the handler), 504 for
// future.ErrTimeout, 503 for future.ErrCanceled, and 500 otherwise.
func StatusOf(err error) int {
	var he *HTTPError
	switch {
	case err == nil:
		return 200
	case errors.As(err, &he):
		if he.Code < 100 || he.Code > 599 {
			return 500
		}
		return he.Code
	case errors.Is(err, ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return 404
	case errors.Is(err, fs.ErrPermission):
		return 403
	case errors.Is(err, httpserver.ErrBodyTooLarge):
		return 413
	case errors.Is(err, ErrContentType):
		return 415
	case errors.Is(err, httpserver.ErrTimeout):
		return 408
	case errors.Is(err, httpserver.ErrHandlerTimeout):
		return 503
	case errors.Is(err, future.ErrTimeout):
		return 504
	case errors.Is(err, future.ErrCanceled):
		return 503
	}
	return 500
}

// Error answers err with the status StatusOf gives and, as text, the
// *HTTPError's Message or the status text (never err's own text, which
// may reveal internals). If the head has already been sent it only ends
// the response.
func (c *Ctx) Error(err error) {
	if c.W.Committed() {
		c.W.End()
		return
	}
	code := StatusOf(err)
	msg := ""
	var he *HTTPError
	if errors.As(err, &he) {
		msg = he.Message
	}
	if msg == "" {
		msg = http.StatusText(code)
	}
	c.Text(code, strconv.Itoa(code)+" "+msg+"\n")
}
