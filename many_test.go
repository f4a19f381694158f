package eddy

import (
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// Ten thousand connections, opened and closed in waves of 2,000 (both
// ends live in this process, whose descriptor limit is 20,000), leave no
// descriptor or goroutine behind.
func TestTenThousandConnections(t *testing.T) {
	skipUnderWine(t, "every socket call goes through wineserver: 10,000 connections take about 30 s (std net too), past the 5 s watchdog")
	if testing.Short() {
		t.Skip("-short")
	}
	leakcheck.Check(t)
	l := newLoop(t)
	ln, err := l.Listen("tcp", "127.0.0.1:0", echo{})
	if err != nil {
		t.Fatal(err)
	}
	const total, wave = 10000, 2000
	opened, echoed, closed := 0, 0, 0
	var errs []error
	var startWave func()
	h := &funcHandler{
		open: func(c *Conn) {
			opened++
			c.Write([]byte("x"))
		},
		data: func(c *Conn, d []byte) int {
			echoed++
			c.Close()
			return len(d)
		},
		close: func(_ *Conn, err error) {
			if err != nil {
				errs = append(errs, err)
			}
			closed++
			if closed == total {
				ln.Close()
			} else if closed%wave == 0 {
				startWave()
			}
		},
	}
	startWave = func() {
		for i := 0; i < wave; i++ {
			if _, err := l.Dial("tcp", ln.Addr().String(), h); err != nil {
				t.Fatal(err)
			}
		}
	}
	startWave()
	run(t, l)
	if opened != total || echoed != total || closed != total || len(errs) != 0 {
		t.Fatalf("opened %d echoed %d closed %d errors %d (first %v)", opened, echoed, closed, len(errs), first(errs))
	}
	if s := l.Stats(); s.Accepted != total || s.Conns != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func first(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}
