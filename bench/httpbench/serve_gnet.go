package httpbench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// gnetServer answers each request head with a fixed response, with no
// HTTP layer, as gnet's TechEmpower entry does.
type gnetServer struct {
	gnet.BuiltinEventEngine
	ready func()
	date  atomic.Pointer[[]byte] // "Date: ...\r\n", refreshed every second
	out   []byte                 // responses of one OnTraffic; loop-only
}

// OnBoot runs once the listening socket exists.
func (s *gnetServer) OnBoot(gnet.Engine) gnet.Action {
	s.ready()
	return gnet.None
}

// OnTraffic answers every complete request head buffered, in one write,
// and leaves an incomplete head buffered for the next call.
func (s *gnetServer) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Peek(-1)
	out, used := s.out[:0], 0
	for {
		path, n, err := nextHead(buf[used:])
		if err != nil {
			c.Write(append(out, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"...))
			return gnet.Close
		}
		if n == 0 {
			break
		}
		used += n
		out = s.respond(out, string(path))
	}
	c.Discard(used)
	s.out = out
	if len(out) > 0 {
		if _, err := c.Write(out); err != nil {
			return gnet.Close
		}
	}
	return gnet.None
}

// respond appends the response for path to out.
func (s *gnetServer) respond(out []byte, path string) []byte {
	var ctype string
	var body []byte
	status := http.StatusOK
	switch path {
	case plaintextPath:
		ctype, body = "text/plain", hello
	case jsonPath:
		ctype = "application/json"
		body, _ = json.Marshal(jsonValue)
	default:
		status, ctype = http.StatusNotFound, "text/plain"
	}
	out = append(out, "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(status), 10)
	out = append(out, ' ')
	out = append(out, http.StatusText(status)...)
	out = append(out, "\r\nServer: gnet\r\nContent-Type: "...)
	out = append(out, ctype...)
	out = append(out, "\r\n"...)
	out = append(out, *s.date.Load()...)
	out = append(out, "Content-Length: "...)
	out = strconv.AppendInt(out, int64(len(body)), 10)
	out = append(out, "\r\n\r\n"...)
	return append(out, body...)
}

// setDate stores the Date header line for now.
func (s *gnetServer) setDate(now time.Time) {
	b := []byte("Date: " + now.UTC().Format(http.TimeFormat) + "\r\n")
	s.date.Store(&b)
}

// serveGnet runs gnet v2 with one event loop, which also accepts.
func serveGnet(addr, _ string, ready func()) error {
	s := &gnetServer{ready: ready}
	s.setDate(time.Now())
	go func() {
		for now := range time.Tick(time.Second) {
			s.setDate(now)
		}
	}()
	return gnet.Run(s, "tcp4://"+addr,
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
