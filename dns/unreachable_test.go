package dns

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestTimeoutNotHiddenByUnreachable: when one server times out and a
// later try cannot reach another (here over TCP: one server accepts the
// connection but never answers, the other refuses it), the lookup fails
// with ErrTimeout, as ErrUnreachable is documented for a lookup that could
// not start an exchange with any server. The last try's error used to
// win, so the same failure came back as a timeout or as "server
// unreachable" (not a timeout, not temporary for net.DNSError users)
// depending on the order of the servers. Found by TestTorture (seeds 21,
// 23 and 25 with EDDY_TORTURE=90s).
func TestTimeoutNotHiddenByUnreachable(t *testing.T) {
	leakcheck.Check(t)
	silent, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() }) // never accepts: connects, and no answer
	refused, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	refusedAddr := refused.Addr().(*net.TCPAddr).AddrPort()
	refused.Close() // nothing listens there any more: connection refused

	for _, servers := range [][]netip.AddrPort{
		{silent.Addr().(*net.TCPAddr).AddrPort(), refusedAddr},
		{refusedAddr, silent.Addr().(*net.TCPAddr).AddrPort()},
	} {
		e := newLiveEnv(t, &Config{Servers: servers, UseTCP: true, Timeout: 200 * time.Millisecond, Attempts: 1})
		_, err := e.ip("ip4", "example.test.")
		var de *DNSError
		if !errors.As(err, &de) || !errors.Is(err, ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) || !de.NetError().IsTimeout {
			t.Errorf("servers %v: got %v, want a timeout", servers, err)
		}
		if st := e.stats(); st.TCPTries != 2 || st.Timeouts != 1 {
			t.Errorf("servers %v: stats %+v, want one timeout and one refused connection", servers, st)
		}
	}
	// Only when no server could be reached at all is it ErrUnreachable.
	e := newLiveEnv(t, &Config{Servers: []netip.AddrPort{refusedAddr}, UseTCP: true, Timeout: 200 * time.Millisecond, Attempts: 1})
	if _, err := e.ip("ip4", "example.test."); !errors.Is(err, ErrUnreachable) {
		t.Errorf("only a refusing server: got %v, want ErrUnreachable", err)
	}
}
