package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/eddy-go/eddy"
)

// statsHandler answers each HTTP/1.x request on a connection with the
// group's loop statistics, as plain text, and keeps the connection alive.
// It understands just enough of HTTP to find where a request ends
// (requests with bodies are refused); the real server is package
// httpserver's job.
type statsHandler struct {
	eddy.BaseHandler
	group *eddy.Group
	start time.Time
}

const maxRequest = 16 << 10

func (h *statsHandler) OnData(c *eddy.Conn, data []byte) int {
	used := 0
	for {
		end := bytes.Index(data[used:], []byte("\r\n\r\n"))
		if end < 0 {
			if len(data)-used > maxRequest {
				c.Write([]byte("HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
				c.Close()
				return len(data)
			}
			return used
		}
		head := data[used : used+end]
		used += end + 4
		if hasBody(head) {
			c.Write([]byte("HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
			c.Close()
			return len(data)
		}
		body := h.page()
		resp := fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		if err := c.Write(resp); err != nil {
			c.Close()
			return len(data)
		}
	}
}

func hasBody(head []byte) bool {
	for _, line := range bytes.Split(head, []byte("\r\n"))[1:] {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch string(bytes.ToLower(bytes.TrimSpace(name))) {
		case "transfer-encoding":
			return true
		case "content-length":
			if n, err := strconv.Atoi(string(bytes.TrimSpace(value))); err != nil || n != 0 {
				return true
			}
		}
	}
	return false
}

func (h *statsHandler) page() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "eddy is running (up %s)\n\n", time.Since(h.start).Round(time.Second))
	for i, l := range h.group.Loops() {
		s := l.Stats()
		fmt.Fprintf(&b, "loop %d: conns=%d listeners=%d timers=%d iterations=%d accepted=%d posted=%d panics=%d\n",
			i, s.Conns, s.Listeners, s.Timers, s.Iterations, s.Accepted, s.Posted, s.Panics)
	}
	return b.Bytes()
}

func serve(ctx context.Context, addr string, loops int, grace time.Duration, out io.Writer, ready chan<- string) error {
	var opts []eddy.GroupOption
	if loops > 0 {
		opts = append(opts, eddy.WithLoops(loops))
	}
	g, err := eddy.NewGroup(opts...)
	if err != nil {
		return err
	}
	h := &statsHandler{group: g, start: time.Now()}
	bound, err := g.Listen("tcp", addr, h)
	if err != nil {
		g.Stop()
		g.Run()
		return err
	}
	g.Start()
	fmt.Fprintf(out, "eddy: serving http://%s/ on %d loops (Ctrl-C to stop)\n", bound, len(g.Loops()))
	if ready != nil {
		ready <- bound.String()
	}
	<-ctx.Done()
	fmt.Fprintln(out, "eddy: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := g.Shutdown(sctx); err != nil && err != context.DeadlineExceeded {
		return err
	}
	return nil
}
