package httpbench

import (
	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
)

// serveNbio runs nbio's nbhttp with one poller and its defaults
// otherwise (handlers in its goroutine pool), with the net/http handler.
func serveNbio(addr, root string, ready func()) error {
	logging.SetLevel(logging.LevelError)
	eng := nbhttp.NewEngine(nbhttp.Config{
		Network: "tcp4",
		Addrs:   []string{addr},
		NPoller: 1,
		Handler: stdMux("nbio", root),
	})
	if err := eng.Start(); err != nil {
		return err
	}
	ready()
	select {} // serve until the process is killed
}
