package tlsx

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"

	"github.com/eddy-go/eddy"
)

// ServerLayer returns a maker of server TLS layers for eddy.WithLayer:
// every connection accepted gets its own, which runs the handshake
// described by cfg, then encrypts and decrypts. Pass it to Loop.Listen or
// Group.Listen:
//
//	l.Listen("tcp", addr, h, eddy.WithLayer(tlsx.ServerLayer(cfg)))
//
// cfg must not be modified afterwards, as with tls.Server; its callbacks
// (GetCertificate, GetConfigForClient, VerifyPeerCertificate…) run on the
// handshake goroutine, not on the loop. Safe for concurrent use; the
// function it returns is called on the accepting loop.
func ServerLayer(cfg *tls.Config, opts ...Option) func(*eddy.Conn) eddy.Layer {
	o := newOptions(opts)
	return func(*eddy.Conn) eddy.Layer { return &session{cfg: cfg, opts: o} }
}

// ClientLayer returns a client TLS layer for one connection, to put on it
// with Conn.SetLayer right after Loop.Dial returns (Dial does this). cfg
// must name the server (ServerName) unless InsecureSkipVerify is set;
// a nil cfg is an empty one. The peer's certificate is verified as
// crypto/tls does: against cfg.RootCAs, or the system's roots when that is
// nil. A server's request to renegotiate (TLS 1.2) is refused whatever
// cfg.Renegotiation says, as crypto/tls refuses it by default: the client
// sends a no_renegotiation alert and the connection fails with
// crypto/tls's error. Safe for concurrent use; the layer itself is
// loop-only.
func ClientLayer(cfg *tls.Config, opts ...Option) eddy.Layer {
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.Renegotiation != tls.RenegotiateNever {
		// crypto/tls renegotiates within Read, which tlsx calls on the
		// loop, where the transport cannot block: the new handshake
		// would fail half way with errWouldBlock, which crypto/tls keeps
		// as the handshake's error and every later Read returns, and
		// which pump takes for "no more input", so the connection would
		// hang. Its public-key work does not belong on a loop either.
		cfg = cfg.Clone()
		cfg.Renegotiation = tls.RenegotiateNever
	}
	return &session{cfg: cfg, client: true, opts: newOptions(opts)}
}

// Listen listens on address like Loop.Listen and runs the TLS server side
// of every connection accepted, with the default options: h sees plaintext,
// and its OnOpen runs once the handshake has succeeded. A failed handshake
// is reported once, to h.OnClose, as a *HandshakeError. It returns an
// error matching ErrConfig when cfg has no certificate source. Loop-only.
func Listen(l *eddy.Loop, network, address string, cfg *tls.Config, h eddy.Handler, opts ...eddy.ListenOption) (*eddy.Listener, error) {
	if err := checkServerConfig(cfg); err != nil {
		return nil, err
	}
	opts = append(opts[:len(opts):len(opts)], eddy.WithLayer(ServerLayer(cfg)))
	return l.Listen(network, address, h, opts...)
}

// ListenGroup is Listen across the loops of a group (see Group.Listen).
// Safe for concurrent use, but not from a loop of the group.
func ListenGroup(g *eddy.Group, network, address string, cfg *tls.Config, h eddy.Handler, opts ...eddy.ListenOption) (net.Addr, error) {
	if err := checkServerConfig(cfg); err != nil {
		return nil, err
	}
	opts = append(opts[:len(opts):len(opts)], eddy.WithLayer(ServerLayer(cfg)))
	return g.Listen(network, address, h, opts...)
}

// Dial connects to address like Loop.Dial and runs the TLS client side,
// with the default options. When cfg.ServerName is empty it is taken from
// the host part of address, as tls.Dial does, and the server's certificate
// is verified for that name (unless cfg.InsecureSkipVerify is set). h sees
// plaintext; its OnOpen runs once the handshake has succeeded, and writes
// made before are sent then. A failed dial or handshake is reported once,
// to h.OnClose. Loop-only.
func Dial(l *eddy.Loop, network, address string, cfg *tls.Config, h eddy.Handler, opts ...eddy.DialOption) (*eddy.Conn, error) {
	cfg = ClientConfig(cfg, address)
	c, err := l.Dial(network, address, h, opts...)
	if err != nil {
		return nil, err
	}
	c.SetLayer(ClientLayer(cfg))
	return c, nil
}

// ClientConfig returns cfg, or an empty config when it is nil, with
// ServerName set to the host part of address when it is empty (a copy is
// made then). Safe for concurrent use.
func ClientConfig(cfg *tls.Config, address string) *tls.Config {
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName != "" {
		return cfg
	}
	host := address
	if h, _, err := net.SplitHostPort(address); err == nil {
		host = h
	} else if strings.ContainsRune(address, '/') {
		return cfg // a Unix socket path names no host
	}
	cfg = cfg.Clone()
	cfg.ServerName = host
	return cfg
}

// ConnectionState returns the TLS state of c (negotiated version, cipher
// suite and ALPN protocol, peer certificates, whether the session was
// resumed…) once its handshake has succeeded; ok is false for a
// connection without a tlsx layer or before that. Loop-only.
func ConnectionState(c *eddy.Conn) (state tls.ConnectionState, ok bool) {
	s, isTLS := c.Layer().(*session)
	if !isTLS || !s.established {
		return tls.ConnectionState{}, false
	}
	return s.tc.ConnectionState(), true
}

// PeerClosed reports whether the peer of c has sent its close_notify: it
// will send nothing more, and c closes (answering with its own) once the
// handler has had what came before. A peer often sends its last data and
// its goodbye together (an HTTP server's last response), and tlsx
// decrypts every record that one read of the socket brought before it
// delivers any of their data; so when the goodbye came in the same read,
// PeerClosed is already true in the OnData call that delivers the last
// data, and the handler can tell there that the connection will carry
// nothing more, instead of learning it after OnData returns, when the
// connection closes. It is false for a connection without a tlsx layer.
// Loop-only.
func PeerClosed(c *eddy.Conn) bool {
	s, isTLS := c.Layer().(*session)
	return isTLS && s.gotCloseNotify
}

// checkServerConfig rejects a server config that cannot complete a
// handshake.
func checkServerConfig(cfg *tls.Config) error {
	if cfg == nil {
		return fmt.Errorf("%w: nil tls.Config", ErrConfig)
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return fmt.Errorf("%w: no Certificates, GetCertificate or GetConfigForClient", ErrConfig)
	}
	return nil
}
