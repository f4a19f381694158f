package servers

import (
	"fmt"
	"os"

	"github.com/panjf2000/gnet/v2"
)

// gnetEcho writes back whatever arrived.
type gnetEcho struct {
	gnet.BuiltinEventEngine
	ready func()
}

// OnBoot runs once the listening socket exists, before the loop starts.
func (h *gnetEcho) OnBoot(gnet.Engine) gnet.Action {
	h.ready()
	return gnet.None
}

// OnTraffic echoes all buffered input. Write copies what the socket does
// not take at once, so buf may be reused after it returns.
func (*gnetEcho) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	if _, err := c.Write(buf); err != nil {
		return gnet.Close
	}
	return gnet.None
}

// serveGnet runs gnet v2 with a single event loop, which also accepts.
func serveGnet(addr string, ready func()) error {
	return gnet.Run(&gnetEcho{ready: ready}, "tcp4://"+addr,
		gnet.WithMulticore(false),
		gnet.WithNumEventLoop(1),
		gnet.WithLogger(quietLogger{}),
	)
}

// quietLogger drops gnet's debug and info lines and prints the rest to
// stderr.
type quietLogger struct{}

func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warnf(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "gnet: warn: "+f+"\n", a...)
}
func (quietLogger) Errorf(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "gnet: error: "+f+"\n", a...)
}
func (quietLogger) Fatalf(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "gnet: fatal: "+f+"\n", a...)
	os.Exit(1)
}
