package testenv_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// conn is a test's connection to a line-based server.
type conn struct {
	t testing.TB
	c net.Conn
	r *bufio.Reader
}

func dial(t testing.TB, addr string) *conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return &conn{t: t, c: c, r: bufio.NewReader(c)}
}

func (c *conn) write(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *conn) line() string {
	c.t.Helper()
	s, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return strings.TrimSuffix(s, "\r\n")
}

// redis sends a command and returns its reply decoded: string for simple
// and bulk strings, "ERR:..." for errors, int64, nil, or []any.
func (c *conn) redis(args ...string) any {
	c.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	c.write(b.String())
	return c.reply()
}

func (c *conn) reply() any {
	c.t.Helper()
	line := c.line()
	if line == "" {
		c.t.Fatal("empty reply line")
	}
	switch line[0] {
	case '+':
		return line[1:]
	case '-':
		return "ERR:" + line[1:]
	case ':':
		n, err := strconv.ParseInt(line[1:], 10, 64)
		if err != nil {
			c.t.Fatalf("bad integer %q", line)
		}
		return n
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			c.t.Fatalf("read bulk: %v", err)
		}
		return string(buf[:n])
	case '*':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil
		}
		items := make([]any, n)
		for i := range items {
			items[i] = c.reply()
		}
		return items
	}
	c.t.Fatalf("unexpected reply %q", line)
	return nil
}

// fakeTB records Fatalf and Skipf instead of acting on them, and passes the
// rest (TempDir, Cleanup) to the real test. Run code that may call Fatalf
// or Skipf through run, which returns when it does.
type fakeTB struct {
	testing.TB
	mu      sync.Mutex
	fatal   string
	skipped string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) Skipf(format string, args ...any) {
	f.mu.Lock()
	f.skipped = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

// run calls fn on its own goroutine, so that Fatalf and Skipf end only it.
func (f *fakeTB) run(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// cmd writes s and reads one line.
func (c *conn) cmd(s string) string {
	c.t.Helper()
	c.write(s)
	return c.line()
}
