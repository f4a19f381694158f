// Package tlsx runs TLS on eddy's event loops with the standard crypto/tls,
// unforked, verified by default.
//
// TLS is an eddy.Layer: it sits between a connection's socket and its
// handler, so the handler sees plaintext on an ordinary *eddy.Conn, and
// everything built on eddy (the HTTP server, the drivers) runs over TLS
// unchanged. A server puts a layer on every accepted connection:
//
//	ln, err := tlsx.Listen(l, "tcp", ":8443", serverCfg, h)
//	// or: l.Listen("tcp", ":8443", h, eddy.WithLayer(tlsx.ServerLayer(serverCfg)))
//	// or, on a group: tlsx.ListenGroup(g, "tcp", ":8443", serverCfg, h)
//
// and a client dials with one:
//
//	c, err := tlsx.Dial(l, "tcp", "example.com:443", &tls.Config{}, h)
//
// The handler's OnOpen runs once the handshake has succeeded; writes made
// before are held and sent then. A failed handshake is reported once, to
// OnClose, as a *HandshakeError (matching ErrHandshake) that unwraps to the
// crypto/tls error: errors.As finds a *tls.CertificateVerificationError, an
// x509.HostnameError and so on. ConnectionState gives a handler the
// negotiated version, ALPN protocol, peer certificates and resumption.
//
// Certificates are verified as crypto/tls does, against cfg.RootCAs or the
// system's roots, for cfg.ServerName, which Dial takes from the address when
// it is empty. Only the caller's InsecureSkipVerify turns that off.
//
// # Design
//
// A *tls.Conn runs over an in-memory net.Conn, the transport, that the loop
// feeds with the bytes it reads and that hands back the bytes crypto/tls
// writes. The connection lives in two phases.
//
// The handshake runs on a goroutine of its own. crypto/tls's handshake is a
// blocking function whose errors are sticky (an interrupted handshake cannot
// be resumed), and its public-key operations take from tens of microseconds
// to milliseconds, too long for a loop. The transport's Read blocks on a
// condition until the loop has fed it a complete record, and its writes are
// posted to the loop, which writes them to the socket in order; when the
// handshake returns, its result is posted too, and the loop opens the
// connection or fails it. The goroutine lives only for the handshake, and a
// server starts it only when the first bytes arrive, so a peer that connects
// and sends nothing costs a timer, not a goroutine. It is not the loop's
// bounded worker pool: a handshake spends most of its life waiting for the
// peer, and a few hundred slow peers would starve the pool.
//
// Handshakes take turns on the CPU: at most GOMAXPROCS-1 (at least one)
// compute at once, process-wide, and each gives its turn back while it
// waits for the peer. Without that, a burst of connections would make
// thousands of goroutines runnable at once, and the loops' goroutines, which
// need a P each time they wake from epoll, would queue behind them for
// hundreds of milliseconds (measured: 1,000 handshakes on one loop delayed a
// 1 ms timer by 320 ms without turns, under 10 ms with them, once the burst
// of connects was accepted). A handshake that blocks in a tls.Config
// callback (GetCertificate fetching a certificate, a remote crypto.Signer)
// keeps its turn; if no turn is given back for 50 ms, waiting handshakes go
// ahead without one, so slow callbacks cannot stall the others. The loop
// never waits for a handshake goroutine, so none skips the queue: one whose
// peer has already ended its stream (see the end of Closing) waits for a
// turn like the others.
//
// Once the handshake is over, everything happens on the loop, without
// goroutines or locks held across calls. Input appends the bytes read to
// the transport, which parses the 5-byte TLS record headers itself and
// offers crypto/tls only complete records; the loop calls tls.Conn.Read
// until the transport, holding no complete record, returns an error whose
// Temporary method reports true. crypto/tls does not make such errors
// sticky: in Go 1.26, crypto/tls/conn.go, readRecordOrCCS records a read
// error in the connection's state only `if e, ok := err.(net.Error); !ok ||
// !e.Temporary()`, both for the header and for the body, and readFromUntil
// keeps the bytes already read. Because only whole records are offered,
// that error always comes at a record boundary, with nothing of a record
// half read. TestWouldBlockNotSticky checks this against the toolchain at
// every cut of the ciphertext; it would fail loudly if crypto/tls changed.
//
// Post-handshake messages (TLS 1.3 session tickets, KeyUpdate) are read the
// same way: a record that holds only a handshake message makes Read process
// it and look for the next record, which the transport answers with the
// Temporary error, so Read returns without blocking. A KeyUpdate's answer,
// like every record crypto/tls writes after the handshake, goes to the
// socket's write queue when the call into crypto/tls returns (or every 64
// KiB within a large write), as one write. A TLS 1.2 renegotiation is
// refused, whatever tls.Config.Renegotiation says (crypto/tls would run
// it within Read, on the loop): the connection fails with crypto/tls's
// error, after a no_renegotiation alert from a client.
//
// # Writing and backpressure
//
// The handler's Conn.Write goes to the layer's Output, which encrypts the
// whole of it into records queued on the socket. The write queue's water
// marks count ciphertext: when the queue is at its high water mark,
// Conn.Write returns eddy.ErrQueueFull before Output is called, so nothing
// is encrypted and nothing is queued, exactly as without TLS, and OnDrain
// follows when the queue has drained to its low water mark. Writes made
// before the handshake has finished are held by eddy, without a bound, and
// encrypted when it has.
//
// # Closing
//
// Conn.Close sends close_notify, then closes once the queue is written. A
// close_notify from the peer closes the connection the same way (eddy
// connections have no half-open state for handlers: a peer's end of stream
// closes them after the queued output), answering with close_notify;
// PeerClosed tells a handler, as early as the OnData call that delivers
// the data read with it, that the peer's close_notify has come. A
// handler that paused reading, keeping data that came with the
// close_notify, gets that data again on ResumeRead, and only then the
// end, as with a plain socket, whose end is not read while it is paused.
// The end of the peer's stream without close_notify is accepted as a clean end when
// it falls between records, as crypto/tls accepts it (many peers close that
// way); in the middle of a record it is ErrTruncated, and
// WithRequireCloseNotify makes it ErrTruncated in both cases. Conn.CloseWrite
// sends close_notify, then shuts the TCP stream down; the connection goes on
// reading, and ends as above when the peer does. Closing a connection whose
// handshake is under way, when nothing has been written, abandons the
// handshake: its goroutine ends. When writes are held for after it, Close
// lets the handshake finish (reading for it even if the handler paused
// reading), then sends them and close_notify; a failed handshake is
// reported to OnClose as usual. CloseWrite during the handshake, which
// shuts the stream at once, fails the connection with a *HandshakeError
// matching eddy.ErrClosed.
//
// A peer may send its last handshake message, data and its end of stream
// together. When the handshake goroutine still has records to process
// then, the outcome depends on them, and the loop does not wait for it
// (a tls.Config callback may block, and a loop must never wait): the layer
// answers eddy.ErrEOFPending, and when the handshake ends, the connection
// opens, the data is delivered, and then the end of the stream comes, as
// above (OnEOF for an eddy.EOFHandler); or the handshake fails. The
// handshake timeout, deadlines, Close and Abort still apply meanwhile, and
// a connection that fails then (the peer, gone, resets it when the
// handshake writes to it) reports a *HandshakeError with that cause. When
// the goroutine is waiting for input instead, the handshake has failed at
// once, with io.ErrUnexpectedEOF.
//
// A client whose handler closes (or aborts) in OnOpen still processes the
// records received with the server's last handshake flight, without
// delivering their data, when its config has a ClientSessionCache: a
// TLS 1.3 server may send its session tickets there (crypto/tls's
// does), and a client that writes one request and closes, as many
// short-lived clients do, would otherwise never resume. Tickets that the
// server sends later (after the client's Finished, as OpenSSL does) are
// not waited for.
//
// # Concurrency
//
// The layers, like the connections they belong to, are loop-only, and so
// are ConnectionState, PeerClosed, Listen and Dial. ServerLayer,
// ClientLayer and ClientConfig are safe for concurrent use, and so is
// ListenGroup, except from a loop of its group. The tls.Config callbacks run on
// the handshake goroutines, never on a loop, and must be safe for
// concurrent use, as crypto/tls requires anyway; the exception is
// ClientSessionCache.Put for a TLS 1.3 session ticket, which crypto/tls
// calls within Read, after the handshake, so on the loop: it must not
// block. During the handshake, the
// connection's Handler method returns an internal handler that stands in
// front of the connection's own, to learn of a close; the connection's own
// is back by OnOpen. Replacing the handler between the socket's connect
// and OnOpen is not supported. Replacing it right after Dial returns (as
// eddy.NetConn does, given a connection Dial has just made) is fine: the
// layer takes the handler it stands in front of when the socket connects.
package tlsx
