package servers

import (
	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/logging"
)

// serveNbio runs nbio with one poller goroutine for connections (nbio
// accepts on a separate listener goroutine).
func serveNbio(addr string, ready func()) error {
	logging.SetLevel(logging.LevelError)
	eng := nbio.NewEngine(nbio.Config{
		Network: "tcp4",
		Addrs:   []string{addr},
		NPoller: 1,
	})
	eng.OnData(func(c *nbio.Conn, data []byte) {
		if _, err := c.Write(data); err != nil {
			c.Close()
		}
	})
	if err := eng.Start(); err != nil {
		return err
	}
	ready()
	select {} // serve until the process is killed
}
