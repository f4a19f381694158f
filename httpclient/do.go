package httpclient

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/eddy-go/eddy/future"
)

// bodyChunk is the size of the pieces read from a request body.
const bodyChunk = 32 << 10

// maxEmptyReads is how many reads of a request body in a row may return
// nothing and no error before Do gives up with io.ErrNoProgress, as
// bufio does.
const maxEmptyReads = 100

// maxReplayBody bounds the request bodies that Do reads whole, through
// http.Request.GetBody, so that they can be sent again.
const maxReplayBody = 64 << 10

// readReplayable reads a small request body that GetBody can replay, and
// closes it, and hreq.Body, whatever happens.
func readReplayable(hreq *http.Request) ([]byte, error) {
	body, err := hreq.GetBody()
	if err != nil {
		hreq.Body.Close()
		return nil, err
	}
	defer body.Close()
	hreq.Body.Close()
	b, err := io.ReadAll(io.LimitReader(body, hreq.ContentLength+1))
	if err == nil && int64(len(b)) != hreq.ContentLength {
		err = fmt.Errorf("body of %d bytes, ContentLength %d", len(b), hreq.ContentLength)
	}
	return b, err
}

// closeReqBody closes the request body, if any, when Do fails before the
// exchange takes charge of it: as with net/http, Do closes the body even
// on errors, and callers rely on it (a file, a pipe's writer waiting).
func closeReqBody(hreq *http.Request) {
	if hreq.Body != nil && hreq.Body != http.NoBody {
		hreq.Body.Close()
	}
}

// statusLines holds http.Response.Status for the registered codes.
var statusLines = func() (t [600]string) {
	for code := range t {
		if text := http.StatusText(code); text != "" {
			t[code] = strconv.Itoa(code) + " " + text
		}
	}
	return t
}()

// statusLine returns http.Response.Status for code, as net/http makes it.
func statusLine(code int) string {
	if code >= 0 && code < len(statusLines) && statusLines[code] != "" {
		return statusLines[code]
	}
	return fmt.Sprintf("%d %s", code, http.StatusText(code))
}

// Do sends an *http.Request on one of the client's loops and waits for the
// response head, so that code written for net/http can switch over. The
// response body streams from the loop through a pipe with backpressure;
// close it (as with net/http) so that the connection can be reused or
// dropped. A request body is read on goroutines, one piece at a time, and
// closed at its end or when the exchange ends; a small one that GetBody
// can replay (up to 64 KiB: strings, bytes) is read whole first, so that
// it follows 307 and 308 redirects and is retried like Request.Body. The request's context cancels the request, body
// included. As with net/http, the request body is closed even when Do
// fails. Safe for concurrent use; do not call it on a loop.
func (c *Client) Do(hreq *http.Request) (*http.Response, error) {
	l := c.next()
	if l == nil {
		closeReqBody(hreq)
		return nil, ErrNoLoop
	}
	if l.OnLoop() {
		closeReqBody(hreq)
		return nil, fmt.Errorf("httpclient: Do called on a loop: %w", future.ErrAwaitOnLoop)
	}
	req := &Request{
		Method:  hreq.Method,
		URL:     hreq.URL,
		Host:    hreq.Host,
		Header:  hreq.Header,
		Context: hreq.Context(),
	}
	if hreq.Close {
		// As net/http: "Connection: close", and the connection is not
		// used again. The caller's header is left as it is.
		req.Header = hreq.Header.Clone()
		if req.Header == nil {
			req.Header = make(http.Header, 1)
		}
		req.Header.Set("Connection", "close")
	}
	var closeBody func()
	switch {
	case hreq.Body == nil || hreq.Body == http.NoBody:
	case hreq.GetBody != nil && hreq.ContentLength > 0 && hreq.ContentLength <= maxReplayBody:
		// A small body that net/http could replay (strings, bytes): sent
		// as a fixed body, so that it follows 307/308 and is retried.
		b, err := readReplayable(hreq)
		if err != nil {
			return nil, fmt.Errorf("httpclient: request body: %w", err)
		}
		req.Body = b
	default:
		var once sync.Once
		closeBody = func() { once.Do(func() { hreq.Body.Close() }) }
		req.ContentLength = hreq.ContentLength
		body := hreq.Body
		// eof is set once the reader has returned its last bytes together
		// with io.EOF: Settle would drop bytes given with an error, so
		// they go alone and the end follows on the next call. BodyStream
		// is called again only once the previous piece has settled.
		var eof bool
		req.BodyStream = func() *future.Future[[]byte] {
			if eof {
				return future.Rejected[[]byte](l, io.EOF)
			}
			f, p := future.New[[]byte](l)
			go func() {
				buf := make([]byte, bodyChunk)
				for empty := 0; ; empty++ {
					n, err := body.Read(buf)
					if n == 0 && err == nil && empty == maxEmptyReads {
						// A reader that breaks io.Reader's contract
						// would spin this goroutine for ever.
						err = io.ErrNoProgress
					}
					if n > 0 || err != nil {
						if err != nil {
							closeBody()
						}
						if n > 0 && err == io.EOF {
							eof = true
							err = nil
						}
						p.Settle(buf[:n], err)
						return
					}
				}
			}()
			return f
		}
	}
	pp := newPipe(l)
	pp.closeReq = closeBody
	if err := l.Post(func() {
		c.initTrip(&pp.tr, l, req, pp)
		pp.tr.start()
	}); err != nil {
		if closeBody != nil {
			closeBody()
		}
		return nil, err
	}
	if err := pp.waitHead(); err != nil {
		if closeBody != nil {
			closeBody()
		}
		return nil, err
	}
	pp.mu.Lock()
	r := pp.resp
	final := pp.t.req
	trailer := pp.trailer
	pp.mu.Unlock()
	var body io.ReadCloser = pp
	if r.Uncompressed {
		body = &gzipBody{body: pp}
	}
	out := hreq
	if final.URL != hreq.URL {
		out = hreq.Clone(hreq.Context())
		out.URL = final.URL
		out.Method = final.method()
	}
	cl := r.ContentLength
	if r.Status/100 == 1 || r.Status == http.StatusNoContent || r.Status == http.StatusNotModified {
		if final.method() != http.MethodHead {
			// As net/http: the field describes a body the response
			// cannot have.
			cl = 0
		}
	}
	minor := r.Minor
	proto := "HTTP/1.1"
	if minor == 0 {
		proto = "HTTP/1.0"
	}
	return &http.Response{
		Status:        statusLine(r.Status),
		StatusCode:    r.Status,
		Proto:         proto,
		ProtoMajor:    1,
		ProtoMinor:    minor,
		Header:        r.Header,
		Body:          body,
		ContentLength: cl,
		Trailer:       trailer,
		Uncompressed:  r.Uncompressed,
		Request:       out,
	}, nil
}
