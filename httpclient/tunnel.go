package httpclient

import (
	"errors"
	"fmt"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/http1"
)

// tunnelLayer opens a CONNECT tunnel through an HTTP proxy (RFC 9110
// §9.3.6) and then hands the connection to the layer inside it, TLS to the
// origin: it writes the CONNECT request when the socket connects, reads the
// proxy's answer, and on a 2xx starts the inner layer with whatever bytes
// followed the answer. Loop-only.
type tunnelLayer struct {
	target string // host:port of the origin
	auth   string // Proxy-Authorization value, or ""
	inner  eddy.Layer
	parser http1.ResponseParser
	buf    []byte
	status int
	open   bool
	// interims counts the proxy's 1xx answers (see maxInterim).
	interims int
}

func (tl *tunnelLayer) Start(lc *eddy.LayerConn) {
	h := http1.Header{{Name: []byte("Host"), Value: []byte(tl.target)}}
	if tl.auth != "" {
		h = append(h, http1.Field{Name: []byte("Proxy-Authorization"), Value: []byte(tl.auth)})
	}
	req, err := http1.AppendRequestHeader(nil, "CONNECT", tl.target, h)
	if err != nil {
		lc.Fail(fmt.Errorf("%w: CONNECT %s: %w", ErrProxy, tl.target, err))
		return
	}
	tl.parser.SetMethod("CONNECT")
	lc.WriteRaw(req)
}

func (tl *tunnelLayer) Input(lc *eddy.LayerConn, p []byte) error {
	if tl.open {
		return tl.inner.Input(lc, p)
	}
	rest, err := tl.feed(p)
	if err != nil || !tl.open {
		return err
	}
	tl.inner.Start(lc)
	if len(rest) > 0 {
		return tl.inner.Input(lc, rest)
	}
	return nil
}

// feed parses the proxy's answer to CONNECT. Once a 2xx has ended it sets
// tl.open and returns the bytes that followed it, which belong to the
// tunnel.
func (tl *tunnelLayer) feed(p []byte) ([]byte, error) {
	tl.buf = append(tl.buf, p...)
	for {
		n, ev, err := tl.parser.Parse(tl.buf)
		tl.buf = tl.buf[n:]
		switch {
		case errors.Is(err, http1.ErrNeedMore):
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("%w: CONNECT %s: %w", ErrProxy, tl.target, err)
		}
		switch ev.Kind {
		case http1.EventHead:
			r := tl.parser.Response()
			if r.Interim {
				if tl.interims++; tl.interims > maxInterim {
					return nil, fmt.Errorf("%w: CONNECT %s: %w", ErrProxy, tl.target, errTooManyInterim)
				}
				continue
			}
			tl.status = r.Status
			if r.Status < 200 || r.Status > 299 {
				return nil, &ProxyError{Target: tl.target, Status: r.Status}
			}
		case http1.EventEnd:
			if tl.status == 0 {
				continue // the end of a 1xx
			}
			tl.open = true
			rest := tl.buf
			tl.buf = nil
			return rest, nil
		}
	}
}

func (tl *tunnelLayer) EOF(lc *eddy.LayerConn) error {
	if !tl.open {
		return fmt.Errorf("%w: CONNECT %s: proxy closed the connection", ErrProxy, tl.target)
	}
	return tl.inner.EOF(lc)
}

func (tl *tunnelLayer) Output(lc *eddy.LayerConn, p []byte) error {
	return tl.inner.Output(lc, p)
}

func (tl *tunnelLayer) Close(lc *eddy.LayerConn) {
	if tl.open {
		tl.inner.Close(lc)
	}
}
