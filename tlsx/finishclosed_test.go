package tlsx_test

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// TestCloseAsHandshakeFinishes: a connection that closes (here an Abort;
// in the field a reset met by the client's last flight, or a deadline)
// after its handshake goroutine has succeeded, but before the loop has
// taken the result, does not open: its handler gets no OnOpen and exactly
// one OnClose, with the close's error. Before, the result was taken
// between the close and its OnClose (both were queued on the loop in the
// same turn), the handshake completed on the closed connection, and the
// OnClose that followed found the handler gone: a nil-pointer panic in
// the loop, and no OnClose at all. Found by TestTorture.
func TestCloseAsHandshakeFinishes(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	l := newLoop(t, eddy.WithPanicHandler(func(v any, stack []byte) {
		t.Errorf("panic in a loop callback: %v\n%s", v, stack)
	}))
	srv := &handler{}
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, srv)
	if err != nil {
		t.Fatal(err)
	}
	var c *eddy.Conn
	cli := &handler{close: func(*eddy.Conn, error) { ln.Close() }}
	cfg := f.client.Clone()
	cfg.ServerName = "localhost"
	// TLS 1.3: the client's handshake ends with its own Finished, and
	// needs nothing more from the loop once the server's flight is in.
	cfg.MinVersion = tls.VersionTLS13
	cfg.VerifyConnection = func(tls.ConnectionState) error {
		// On the handshake goroutine, the server's flight received. Hold
		// the loop until the goroutine has posted everything it will
		// (its Finished for the socket, then its result), with an Abort
		// queued before them, so that all three run in one turn.
		running, release := make(chan struct{}), make(chan struct{})
		_ = l.Post(func() {
			close(running)
			<-release
		})
		<-running
		_ = l.Post(func() { c.Abort() })
		go func() {
			defer close(release)
			for limit := time.Now().Add(10 * time.Second); l.Stats().Posted < 3; { // a hang, not a timing check
				if time.Now().After(limit) {
					t.Errorf("the handshake goroutine posted %d functions, want 3", l.Stats().Posted)
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
		return nil
	}
	c, err = tlsx.Dial(l, "tcp", ln.Addr().String(), cfg, cli)
	if err != nil {
		t.Fatal(err)
	}
	run(t, l, 20*time.Second)
	wantOnce(t, "client", cli, 0)
	if cli.err != nil {
		t.Errorf("client: OnClose(%v), want nil (for its Abort)", cli.err)
	}
	if srv.opens != 0 {
		// Its handshake cannot have finished: the client's Finished was
		// never sent.
		t.Errorf("server: OnOpen ran %d times, want 0", srv.opens)
	}
}
