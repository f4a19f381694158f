package tlsx_test

import (
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// TestManyHandshakes runs 1,000 concurrent handshakes on one loop, both
// ends of each (2,000 handshake goroutines), while a 1 ms timer on the same
// loop keeps firing. The handshakes' crypto runs on their goroutines, so
// the loop keeps turning: the test logs the worst lateness of the timer
// and only checks, generously, that it fired. (The first turns, which
// start 1,000 dials and accept them, are the loop's own work.) Under the
// race detector, which slows crypto down many times, it runs 200.
func TestManyHandshakes(t *testing.T) {
	leakcheck.Check(t)
	n := 1000
	if raceEnabled {
		n = 200
	}
	f := newFixture(t)
	l := newLoop(t)
	var opened, closed, failed int
	srv := &handler{}
	ln, err := l.Listen("tcp", "127.0.0.1:0", srv,
		eddy.WithLayer(tlsx.ServerLayer(f.server, tlsx.WithHandshakeTimeout(time.Minute))))
	if err != nil {
		t.Fatal(err)
	}
	srv.open = func(c *eddy.Conn) { opened++ }
	srv.data = func(c *eddy.Conn, d []byte) int { c.Write(d); c.Close(); return len(d) }
	var ticks int
	var worst time.Duration
	var last time.Time
	tick := l.Every(time.Millisecond, func() {
		now := time.Now()
		if late := now.Sub(last) - time.Millisecond; ticks > 0 && late > worst {
			worst = late
		}
		last = now
		ticks++
	})
	start := time.Now()
	cfg := tlsx.ClientConfig(f.client, "localhost:1")
	cli := &handler{
		open: func(c *eddy.Conn) { c.Write([]byte("hi")) },
		data: func(c *eddy.Conn, d []byte) int { c.Close(); return len(d) },
		close: func(_ *eddy.Conn, err error) {
			if err != nil {
				failed++
				t.Log(err)
			}
			if closed++; closed == n {
				ln.Close()
				tick.Stop()
			}
		},
	}
	for i := 0; i < n; i++ {
		c, err := l.Dial("tcp", ln.Addr().String(), cli)
		if err != nil {
			t.Fatal(err)
		}
		c.SetLayer(tlsx.ClientLayer(cfg, tlsx.WithHandshakeTimeout(time.Minute)))
	}
	run(t, l, 60*time.Second)
	elapsed := time.Since(start)
	t.Logf("%d handshakes in %v; timer fired %d times, worst lateness %v", n, elapsed, ticks, worst)
	if opened != n || failed != 0 || closed != n {
		t.Fatalf("opened %d, failed %d, closed %d of %d", opened, failed, closed, n)
	}
	if ticks < 10 && elapsed > 100*time.Millisecond {
		t.Errorf("the timer fired only %d times in %v: the loop was blocked", ticks, elapsed)
	}
}
