package web

import (
	"encoding/json"
	"mime"
	"net/url"
)

// mediaType returns the request's Content-Type media type, lowercased.
func (c *Ctx) mediaType() string {
	mt, _, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	return mt
}

// ReadJSON reads the request body, up to limit bytes, and decodes it
// as JSON into v, then calls fn on the loop with nil or the error:
// ErrContentType if the Content-Type is neither absent nor JSON,
// httpserver.ErrBodyTooLarge past the limit, or the decoding error. The
// response stays open until fn returns. Loop-only.
func (c *Ctx) ReadJSON(limit int64, v any, fn func(err error)) {
	if mt := c.mediaType(); mt != "" && mt != "application/json" && !isJSONSuffix(mt) {
		fn(&HTTPError{Code: 415, Err: ErrContentType})
		return
	}
	c.R.ReadBody(limit, func(body []byte, err error) {
		if err == nil {
			if err = json.Unmarshal(body, v); err != nil {
				err = &HTTPError{Code: 400, Message: "bad JSON body", Err: err}
			}
		}
		fn(err)
	})
}

func isJSONSuffix(mt string) bool {
	return len(mt) > 5 && mt[len(mt)-5:] == "+json"
}

// ReadForm reads an application/x-www-form-urlencoded body, up to limit
// bytes, and calls fn on the loop with its values, or with an error:
// ErrContentType for another media type, httpserver.ErrBodyTooLarge
// past the limit, or a parse error (400). Loop-only.
func (c *Ctx) ReadForm(limit int64, fn func(v url.Values, err error)) {
	if c.mediaType() != "application/x-www-form-urlencoded" {
		fn(nil, &HTTPError{Code: 415, Err: ErrContentType})
		return
	}
	c.R.ReadBody(limit, func(body []byte, err error) {
		if err != nil {
			fn(nil, err)
			return
		}
		v, err := url.ParseQuery(string(body))
		if err != nil {
			fn(v, &HTTPError{Code: 400, Message: "bad form body", Err: err})
			return
		}
		fn(v, nil)
	})
}
