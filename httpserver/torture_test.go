package httpserver_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/soak"
)

// The torture test drives one server, with a handler of every kind, from
// many raw TCP clients doing random things (keep-alive, pipelining,
// requests split at random bytes, bodies, malformed requests, clients
// that close or reset at any point, or stop reading), and checks the
// server's invariants after every response and at the end.
//
// By default it runs tortureSeeds for about 3 s in all. EDDY_TORTURE=60s
// runs it longer (the time is shared by the seeds), and
// EDDY_TORTURE_SEED=n replays one seed (the clients run concurrently, so
// a seed fixes what each client does, not how the loops interleave it).
// For a hunt: EDDY_TORTURE_LOGS=1 keeps every session's log, to print
// the session of a request whose file was never released, and
// EDDY_TORTURE_SLOW=1 logs the sessions that took over half a second.
// Run it on io_uring too (EDDY_POLLER=uring): TestTorture found the bug
// TestResponsesBehindClosingOneStayUnsent pins there first.

var tortureSeeds = []uint64{1, 2, 3}

const (
	tortureClients   = 6
	tortureTimeout   = 25 * time.Millisecond // TimeoutHandler's limit
	tortureWatchdog  = 20 * time.Second      // a client waiting this long has found a hang
	tortureMaxHeader = 4096
	tortureMaxURI    = 1024
	tortureReadLimit = 1 << 20 // ReadBody's limit in the body handler
)

// torturePanic is what the panicking handler panics with: the loop's
// panic handler fails the test for any other value.
type torturePanic struct{ id int }

// tortureServer is the server side: its handlers and what they count.
type tortureServer struct {
	t        *testing.T
	fileData []byte
	filePath string
	opened   atomic.Int64 // files opened for SendFile
	closed   atomic.Int64 // and closed, in done or on refusal
	badPanic atomic.Int64

	mu    sync.Mutex
	ctxs  []context.Context // every handler context, checked ended at the end
	files map[int]string    // the requests whose SendFile file is open
}

// alphabet is the letters repeated, for fill to copy from.
var alphabet = []byte(strings.Repeat("abcdefghijklmnopqrstuvwxyz", 40))

// fill writes the deterministic bytes of chunk k of stream id into b:
// letters in order from one that depends on id and k.
func fill(b []byte, id, k int) {
	for i := 0; i < len(b); {
		from := (id*31 + k*7 + i) % 26
		i += copy(b[i:], alphabet[from:])
	}
}

// bodySum is what the body handlers answer for a body: its id, length
// and checksum.
func bodySum(kind string, id int, b []byte) string {
	return fmt.Sprintf("%s %d len=%d crc=%08x", kind, id, len(b), crc32.ChecksumIEEE(b))
}

func (ts *tortureServer) track(r *httpserver.Request) {
	ctx := r.Context()
	ts.mu.Lock()
	ts.ctxs = append(ts.ctxs, ctx)
	ts.mu.Unlock()
}

func (ts *tortureServer) handler() httpserver.Handler {
	std := httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.URL.Path, "/")
		id, _ := strconv.Atoi(parts[2])
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "std body: "+err.Error(), 400)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, bodySum("std", id, b))
	}))
	timeout := httpserver.TimeoutHandler(httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		parts := strings.Split(r.Path, "/")
		id, _ := strconv.Atoi(parts[2])
		ms, _ := strconv.Atoi(parts[3])
		stream := parts[4] != "0"
		if parts[4] == "2" {
			w.Header().Set("Content-Length", strconv.Itoa(len(fmt.Sprintf("part %d;timeout %d", id, id))))
		}
		if stream {
			fmt.Fprintf(w, "part %d;", id)
			w.Flush()
		}
		httpserver.Wait(w, r.Loop().Sleep(time.Duration(ms)*time.Millisecond), func(struct{}, error) {
			fmt.Fprintf(w, "timeout %d", id)
		})
	}), tortureTimeout, "tmo")

	return httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		parts := strings.Split(r.Path, "/")
		if len(parts) < 3 {
			w.WriteHeader(404)
			return
		}
		id, _ := strconv.Atoi(parts[2])
		arg := func(i int) int {
			if i >= len(parts) {
				return 0
			}
			n, _ := strconv.Atoi(parts[i])
			return n
		}
		if id%3 == 0 {
			ts.track(r)
		}
		switch parts[1] {
		case "hello":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "hello %d", id)
		case "later":
			if arg(4) == 1 {
				httpserver.Wait(w, r.Loop().Sleep(time.Duration(arg(3))*time.Millisecond), func(struct{}, error) {
					fmt.Fprintf(w, "later %d", id)
				})
				return
			}
			w.Async()
			r.Loop().AfterFunc(time.Duration(arg(3))*time.Millisecond, func() {
				fmt.Fprintf(w, "later %d", id)
				w.End()
			})
		case "stream":
			n, size, withLen := arg(3), arg(4), arg(5) == 1
			if withLen {
				w.Header().Set("Content-Length", strconv.Itoa(n*size))
			}
			w.Async()
			buf := make([]byte, size)
			k := 0
			var pump func()
			pump = func() {
				for k < n {
					fill(buf, id, k)
					if _, err := w.Write(buf); err != nil {
						if errors.Is(err, eddy.ErrQueueFull) {
							w.OnWritable(pump)
							return
						}
						w.End()
						return
					}
					k++
					if k%3 == 0 {
						w.Flush()
					}
				}
				w.End()
			}
			pump()
		case "body":
			if arg(3) == 1 {
				var got []byte
				paused := false
				r.OnBody(func(p []byte) {
					got = append(got, p...)
					if !paused && len(got) > 1000 {
						paused = true
						r.PauseBody()
						r.Loop().AfterFunc(time.Millisecond, r.ResumeBody)
					}
				}, func(err error) {
					if err != nil {
						w.WriteHeader(400)
						fmt.Fprintf(w, "body error %v", err)
						return
					}
					io.WriteString(w, bodySum("body", id, got))
				})
				return
			}
			r.ReadBody(tortureReadLimit, func(b []byte, err error) {
				if err != nil {
					w.WriteHeader(400)
					fmt.Fprintf(w, "body error %v", err)
					return
				}
				io.WriteString(w, bodySum("body", id, b))
			})
		case "timeout":
			timeout.ServeHTTP(w, r)
		case "panic":
			switch arg(3) {
			case 0:
				w.WriteString("partial")
				panic(torturePanic{id})
			case 1:
				httpserver.Wait(w, r.Loop().Sleep(time.Millisecond), func(struct{}, error) {
					panic(torturePanic{id})
				})
			default:
				w.WriteString("partial")
				w.Flush()
				panic(torturePanic{id})
			}
		case "std":
			std.ServeHTTP(w, r)
		case "file":
			off, n, withLen := int64(arg(3)), int64(arg(4)), arg(5) == 1
			head := fmt.Sprintf("file %d\n", id)
			tail := fmt.Sprintf("\nend %d", id)
			if withLen {
				w.Header().Set("Content-Length", strconv.Itoa(len(head)+int(n)+len(tail)))
			}
			f, err := os.Open(ts.filePath)
			if err != nil {
				w.WriteHeader(500)
				return
			}
			ts.opened.Add(1)
			ts.mu.Lock()
			ts.files[id] = r.Method + " " + r.Target
			ts.mu.Unlock()
			closeFile := func() {
				f.Close()
				ts.closed.Add(1)
				ts.mu.Lock()
				delete(ts.files, id)
				ts.mu.Unlock()
			}
			w.WriteString(head)
			if err := w.SendFile(f, off, n, closeFile); err != nil {
				closeFile()
				ts.t.Errorf("SendFile: %v", err)
				return
			}
			w.WriteString(tail)
		default:
			w.WriteHeader(404)
		}
	})
}

// treq is one request a client sends, and what it expects back.
type treq struct {
	id      int
	method  string
	kind    string
	head    []byte
	body    []byte // sent after head (already chunk-framed if chunked)
	expect  bool   // Expect: 100-continue
	close   bool   // the response must close the connection
	bad     string // malformed: the server answers 4xx/5xx or closes
	last    bool   // nothing may be sent after it (an unread body the server may not discard)
	want    string // the body expected; "" with check
	check   func(status int, body []byte) error
	mayCut  bool // a cut-short body (then a close) is allowed
	http10  bool // HTTP/1.0: a flushed body is delimited by the close
	rawBody []byte
}

type tclient struct {
	ts     *tortureServer
	addr   string
	rng    *rand.Rand
	nextID *atomic.Int64
	reqs   *atomic.Int64 // requests sent, for the report
	log    []string
	ids    []int     // the ids of this session's requests
	logs   *sync.Map // id -> its session's log, to explain a late failure
}

func (c *tclient) id() int {
	id := int(c.nextID.Add(1))
	c.ids = append(c.ids, id)
	return id
}

// request builds a random well-formed request.
func (c *tclient) request() *treq {
	r := c.rng
	q := &treq{id: c.id(), method: "GET"}
	var path string
	var hdr []string
	withBody := false
	switch k := r.IntN(100); {
	case k < 22:
		q.kind = "hello"
		path = fmt.Sprintf("/hello/%d", q.id)
		q.want = fmt.Sprintf("hello %d", q.id)
		withBody = r.IntN(8) == 0
	case k < 34:
		q.kind = "later"
		path = fmt.Sprintf("/later/%d/%d/%d", q.id, r.IntN(5), r.IntN(2))
		q.want = fmt.Sprintf("later %d", q.id)
	case k < 46:
		q.kind = "stream"
		n, size, withLen := 1+r.IntN(20), 1+r.IntN(20000), r.IntN(2)
		if r.IntN(10) == 0 {
			n, size = 10+r.IntN(40), 32<<10 // up to 1.6 MB: backpressure
		}
		path = fmt.Sprintf("/stream/%d/%d/%d/%d", q.id, n, size, withLen)
		var b bytes.Buffer
		buf := make([]byte, size)
		for i := range n {
			fill(buf, q.id, i)
			b.Write(buf)
		}
		q.want = b.String()
	case k < 62:
		q.kind = "body"
		q.method = "POST"
		path = fmt.Sprintf("/body/%d/%d", q.id, r.IntN(2))
		withBody = true
	case k < 72:
		q.kind = "timeout"
		mode := r.IntN(4) // 0: answers whole; 1: streams; 2: streams with a Content-Length
		stream := mode != 0
		ms := r.IntN(2 * int(tortureTimeout/time.Millisecond))
		path = fmt.Sprintf("/timeout/%d/%d/%d", q.id, ms, mode)
		id := q.id
		if stream {
			q.mayCut = true
			q.want = fmt.Sprintf("part %d;timeout %d", id, id)
		} else {
			q.check = func(status int, body []byte) error {
				switch {
				case status == 200 && string(body) == fmt.Sprintf("timeout %d", id):
				case status == 503 && string(body) == "tmo":
				default:
					return fmt.Errorf("timeout handler: %d %q", status, body)
				}
				return nil
			}
		}
	case k < 77:
		q.kind = "panic"
		mode := r.IntN(3)
		path = fmt.Sprintf("/panic/%d/%d", q.id, mode)
		q.close = true
		if mode == 2 {
			q.mayCut = true
			q.want = "partial\x00never" // a body that cannot complete
		} else {
			q.check = func(status int, body []byte) error {
				if status != 500 || len(body) > 0 && string(body) == "partial" {
					return fmt.Errorf("panic: %d %q", status, body)
				}
				return nil
			}
		}
	case k < 89:
		q.kind = "std"
		if r.IntN(2) == 0 {
			q.method = "POST"
			withBody = true
		}
		path = fmt.Sprintf("/std/%d", q.id)
	default:
		q.kind = "file"
		off := r.IntN(len(c.ts.fileData))
		n := r.IntN(len(c.ts.fileData) - off + 1)
		path = fmt.Sprintf("/file/%d/%d/%d/%d", q.id, off, n, r.IntN(2))
		q.want = fmt.Sprintf("file %d\n%s\nend %d", q.id, c.ts.fileData[off:off+n], q.id)
	}
	if !withBody && q.kind != "panic" && q.kind != "body" && q.kind != "timeout" && r.IntN(8) == 0 {
		q.method = "HEAD"
	}
	proto := "HTTP/1.1"
	switch r.IntN(20) {
	case 0:
		proto, q.http10 = "HTTP/1.0", true
		q.close = true
	case 1:
		proto, q.http10 = "HTTP/1.0", true
		hdr = append(hdr, "Connection: keep-alive")
	}
	if r.IntN(12) == 0 {
		hdr = append(hdr, "Connection: close")
		q.close = true
	}
	if withBody {
		var n int
		switch x := r.IntN(20); {
		case x < 4:
			n = 0
		case x < 17:
			n = r.IntN(5000)
		case x < 19:
			n = r.IntN(200000)
		default:
			n = 256<<10 + r.IntN(100000) // past what an unread body may be
			if q.kind == "hello" {
				q.last = true
			}
		}
		if proto == "HTTP/1.0" {
			q.close, hdr = true, nil // keep 1.0 simple: Content-Length only
		}
		b := make([]byte, n)
		for i := 0; i < n; i += 8 {
			v := r.Uint64()
			for j := i; j < min(i+8, n); j++ {
				b[j] = byte(v)
				v >>= 8
			}
		}
		q.rawBody = b
		if proto == "HTTP/1.1" && r.IntN(2) == 0 {
			hdr = append(hdr, "Transfer-Encoding: chunked")
			var cb bytes.Buffer
			for len(b) > 0 {
				m := min(len(b), 1+r.IntN(9000))
				fmt.Fprintf(&cb, "%x\r\n", m)
				cb.Write(b[:m])
				cb.WriteString("\r\n")
				b = b[m:]
			}
			cb.WriteString("0\r\n")
			if r.IntN(4) == 0 {
				cb.WriteString("X-T: trailer\r\n")
			}
			cb.WriteString("\r\n")
			q.body = cb.Bytes()
			if q.kind == "hello" {
				// Unread, and whether its end comes with the head
				// is up to the kernel: the server may close after
				// it (saying so), as it cannot tell how long the
				// body is without waiting for the client.
				q.last = true
			}
		} else {
			hdr = append(hdr, "Content-Length: "+strconv.Itoa(n))
			q.body = b
		}
		if proto == "HTTP/1.1" && n > 0 && (q.kind == "body" || q.kind == "std") && r.IntN(3) == 0 {
			hdr = append(hdr, "Expect: 100-continue")
			q.expect = true
		}
		switch q.kind {
		case "body":
			q.want = bodySum("body", q.id, q.rawBody)
			if len(q.rawBody) > tortureReadLimit {
				q.want = ""
			}
		case "std":
			q.want = bodySum("std", q.id, q.rawBody)
		}
	} else if q.kind == "std" {
		q.want = bodySum("std", q.id, nil)
	}
	if q.method == "HEAD" {
		q.want, q.check, q.mayCut = "", nil, false
	}
	var h bytes.Buffer
	fmt.Fprintf(&h, "%s %s %s\r\nHost: torture\r\n", q.method, path, proto)
	for _, f := range hdr {
		h.WriteString(f + "\r\n")
	}
	h.WriteString("\r\n")
	q.head = h.Bytes()
	return q
}

// malformed builds a request the server must refuse.
func (c *tclient) malformed() *treq {
	q := &treq{id: c.id(), bad: "?", close: true}
	r := c.rng
	var s string
	switch r.IntN(12) {
	case 0:
		q.bad, s = "space in name", "GET /hello/1 HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n"
	case 1:
		q.bad, s = "NUL in value", "GET /hello/1 HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n"
	case 2:
		q.bad, s = "huge header", "GET /hello/1 HTTP/1.1\r\nHost: x\r\nX: "+strings.Repeat("h", tortureMaxHeader+r.IntN(20000))+"\r\n\r\n"
	case 3:
		q.bad, s = "huge target", "GET /hello/"+strings.Repeat("u", tortureMaxURI+r.IntN(3000))+" HTTP/1.1\r\nHost: x\r\n\r\n"
	case 4:
		q.bad, s = "bad chunk size", fmt.Sprintf("POST /body/%d/%d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nabc\r\n0\r\n\r\n", q.id, r.IntN(2))
	case 5:
		q.bad, s = "CL and TE", "POST /body/1/0 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
	case 6:
		q.bad, s = "two CLs", "POST /body/1/0 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
	case 7:
		q.bad, s = "bare LF", "GET /hello/1 HTTP/1.1\nHost: x\n\n"
	case 8:
		q.bad, s = "no Host", "GET /hello/1 HTTP/1.1\r\nX: y\r\n\r\n"
	case 9:
		q.bad, s = "bad method", "G(T /hello/1 HTTP/1.1\r\nHost: x\r\n\r\n"
	case 10:
		q.bad, s = "negative CL", "POST /body/1/0 HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"
	default:
		q.bad, s = "bad version", "GET /hello/1 HTTP/7.1\r\nHost: x\r\n\r\n"
	}
	q.head = []byte(s)
	return q
}

// errSession is an invariant broken by the server.
type errSession struct{ msg string }

func (e *errSession) Error() string { return e.msg }

func (c *tclient) failf(format string, args ...any) error {
	return &errSession{fmt.Sprintf(format, args...) + "\n  session: " + strings.Join(c.log, "\n  ")}
}

func (c *tclient) dial() (*net.TCPConn, error) {
	conn, err := net.Dial("tcp", c.addr)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(tortureWatchdog))
	return conn.(*net.TCPConn), nil
}

// writer sends what it is given, in order, sleeping where told, until
// its channel closes or a write fails.
type writer struct {
	ch   chan []byte
	done chan struct{}
	err  error
}

func startWriter(conn net.Conn, rng *rand.Rand, split bool) *writer {
	w := &writer{ch: make(chan []byte, 256), done: make(chan struct{})}
	seed := rng.Uint64()
	go func() {
		defer close(w.done)
		r := rand.New(rand.NewPCG(seed, 7))
		for b := range w.ch {
			if w.err != nil {
				continue
			}
			for len(b) > 0 {
				n := len(b)
				if split {
					n = 1 + r.IntN(min(len(b), 64<<10))
				}
				if _, err := conn.Write(b[:n]); err != nil {
					w.err = err
					break
				}
				b = b[n:]
				if split && r.IntN(3) == 0 {
					time.Sleep(time.Duration(r.IntN(1500)) * time.Microsecond)
				}
			}
		}
	}()
	return w
}

func (w *writer) finish() {
	close(w.ch)
	<-w.done
}

// session runs one random connection and checks what the server did.
func (c *tclient) session() error {
	c.log, c.ids = c.log[:0], c.ids[:0]
	defer func() {
		if os.Getenv("EDDY_TORTURE_LOGS") != "" {
			l := strings.Join(c.log, "\n  ")
			for _, id := range c.ids {
				c.logs.Store(id, l)
			}
		}
	}()
	switch x := c.rng.IntN(100); {
	case x < 75:
		return c.normal()
	default:
		return c.abort()
	}
}

// send hands q's head to w, and its body too if withBody.
func (c *tclient) send(w *writer, q *treq, withBody bool) {
	c.reqs.Add(1)
	c.logf("send %d %q body %d expect %v", q.id, q.head[:min(len(q.head), 80)], len(q.body), q.expect)
	w.ch <- q.head
	if withBody && len(q.body) > 0 {
		w.ch <- q.body
	}
}

func (c *tclient) logf(format string, args ...any) {
	c.log = append(c.log, fmt.Sprintf(format, args...))
}

// normal sends a few requests, well-formed but for maybe a malformed
// last one, and checks every response.
func (c *tclient) normal() error {
	r := c.rng
	var reqs []*treq
	n := 1 + r.IntN(8)
	for range n {
		q := c.request()
		reqs = append(reqs, q)
		if q.close || q.last {
			break
		}
	}
	if last := reqs[len(reqs)-1]; !last.close && !last.last && r.IntN(8) == 0 {
		reqs = append(reqs, c.malformed())
	}
	mode := r.IntN(3) // 0 keep-alive, one at a time; 1 pipelined; 2 pipelined, split
	stopEarly := -1   // stop reading after this response (sends RST or FIN)
	if r.IntN(15) == 0 {
		stopEarly = r.IntN(len(reqs))
	}
	conn, err := c.dial()
	if err != nil {
		return err
	}
	w := startWriter(conn, r, mode == 2)
	defer func() {
		conn.Close()
		w.finish()
	}()
	c.logf("conn %v mode %d", conn.LocalAddr(), mode)
	if mode != 0 {
		for _, q := range reqs {
			c.send(w, q, true)
		}
	}
	br := bufio.NewReaderSize(conn, 4096)
	for i, q := range reqs {
		if mode == 0 {
			c.send(w, q, !q.expect)
		}
		if stopEarly == i {
			if r.IntN(2) == 0 {
				conn.SetLinger(0)
			}
			return nil
		}
		if q.bad != "" {
			resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
			if err != nil {
				if isTimeout(err) {
					return c.failf("malformed %q: no answer and no close: %v", q.bad, err)
				}
				return nil // closed: allowed
			}
			io.Copy(io.Discard, resp.Body)
			if resp.StatusCode < 400 {
				return c.failf("malformed %q answered %d", q.bad, resp.StatusCode)
			}
			if !resp.Close {
				return c.failf("malformed %q answered %d without Connection: close", q.bad, resp.StatusCode)
			}
			return c.expectClose(br, "after malformed "+q.bad)
		}
		sawContinue := false
		status, body, closed, cut, unframed, err := c.read(br, q, func() {
			sawContinue = true
			if mode == 0 && q.expect {
				c.logf("100 for %d: send body", q.id)
				w.ch <- q.body
			}
		})
		if err != nil {
			return err
		}
		c.logf("got %d: %d %d bytes close %v cut %v", q.id, status, len(body), closed, cut)
		if mode == 0 && q.expect && !sawContinue && !closed {
			// The final response came with no 100 and the body unsent.
			return c.failf("request %d: final response %d before 100 Continue", q.id, status)
		}
		if q.mayCut && q.http10 && closed && len(body) < len(q.want) && strings.HasPrefix(q.want, string(body)) {
			// A body delimited by the close cannot be told from one cut
			// short.
			cut = true
		}
		if cut {
			if !q.mayCut {
				return c.failf("request %d (%s): body cut short: %d %q", q.id, q.kind, status, trim(body))
			}
			if !strings.HasPrefix(q.want, string(body)) {
				return c.failf("request %d (%s): cut-short body %q is not a prefix of %q", q.id, q.kind, trim(body), trim([]byte(q.want)))
			}
			return c.expectClose(br, "after a cut response")
		}
		if q.check != nil {
			if err := q.check(status, body); err != nil {
				return c.failf("request %d: %v", q.id, err)
			}
		} else if q.method != "HEAD" && q.want != "" {
			if status != 200 || string(body) != q.want {
				return c.failf("request %d (%s): got %d %q, want %q", q.id, q.kind, status, trim(body), trim([]byte(q.want)))
			}
		} else if q.method == "HEAD" && status != 200 {
			return c.failf("HEAD %d (%s): status %d", q.id, q.kind, status)
		}
		if q.close && !closed {
			return c.failf("request %d asked to close: response without Connection: close", q.id)
		}
		if closed {
			// A body for HTTP/1.0 with no Content-Length can only end
			// with the connection.
			if !q.close && !q.last && !(q.http10 && unframed) {
				return c.failf("request %d (%s): unexpected Connection: close, status %d", q.id, q.kind, status)
			}
			return c.expectClose(br, fmt.Sprintf("after Connection: close on %d", q.id))
		}
		if q.last {
			// A big unread body: the server may close without saying so.
			return nil
		}
	}
	return nil
}

func trim(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + fmt.Sprintf("...(%d bytes)", len(b))
	}
	return string(b)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// read reads q's response strictly: interim responses first (onContinue
// is told of a 100), then one final response whose framing is explicit.
func (c *tclient) read(br *bufio.Reader, q *treq, onContinue func()) (status int, body []byte, closed, cut, unframed bool, err error) {
	method := q.method
	for {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return 0, nil, false, false, false, c.failf("request %d (%s): no response: %v", q.id, q.kind, err)
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 {
			if resp.StatusCode != 100 || !q.expect {
				return 0, nil, false, false, false, c.failf("request %d: unexpected interim %d", q.id, resp.StatusCode)
			}
			onContinue()
			continue
		}
		if resp.ProtoMajor != 1 {
			return 0, nil, false, false, false, c.failf("request %d: response protocol %s", q.id, resp.Proto)
		}
		if method != "HEAD" && resp.ContentLength < 0 && len(resp.TransferEncoding) == 0 && resp.StatusCode != 204 && resp.StatusCode != 304 {
			if !resp.Close {
				return 0, nil, false, false, false, c.failf("request %d: response %d with no framing on a kept connection", q.id, resp.StatusCode)
			}
		}
		if got := resp.Header.Get("Date"); got == "" {
			return 0, nil, false, false, false, c.failf("request %d: response without Date", q.id)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			if isTimeout(err) {
				return 0, nil, false, false, false, c.failf("request %d (%s): body stalled: %v (%d bytes)", q.id, q.kind, err, len(b))
			}
			return resp.StatusCode, b, resp.Close, true, false, nil
		}
		unframed := resp.ContentLength < 0 && len(resp.TransferEncoding) == 0
		if method == "HEAD" && len(b) != 0 {
			return 0, nil, false, false, false, c.failf("HEAD %d has a body", q.id)
		}
		return resp.StatusCode, b, resp.Close, false, unframed, nil
	}
}

// expectClose fails unless the server closes the connection with nothing
// more (a reset counts as a close).
func (c *tclient) expectClose(br *bufio.Reader, what string) error {
	b, err := io.ReadAll(br)
	if isTimeout(err) {
		return c.failf("%s: connection not closed (%d bytes after)", what, len(b))
	}
	if len(b) > 0 {
		return c.failf("%s: %d bytes after the last response: %q", what, len(b), trim(b))
	}
	return nil
}

// abort does something rude, and checks only that the server survives
// (the other clients check that it still serves).
func (c *tclient) abort() error {
	r := c.rng
	conn, err := c.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	reset := r.IntN(2) == 0
	if reset {
		conn.SetLinger(0)
	}
	q := c.request()
	c.reqs.Add(1)
	full := append(append([]byte(nil), q.head...), q.body...)
	switch x := r.IntN(4); x {
	case 0: // mid-request
		c.logf("abort mid-request %d reset %v", q.id, reset)
		conn.Write(full[:r.IntN(len(full))])
		if r.IntN(2) == 0 {
			time.Sleep(time.Duration(r.IntN(2000)) * time.Microsecond)
		}
	case 1: // mid-body of a long body
		id := c.id()
		kind := []string{"body", "std", "hello"}[r.IntN(3)]
		c.logf("abort mid-body %s %d reset %v", kind, id, reset)
		fmt.Fprintf(conn, "POST /%s/%d/%d HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", kind, id, r.IntN(2))
		conn.Write(make([]byte, r.IntN(100000)))
		time.Sleep(time.Duration(r.IntN(2000)) * time.Microsecond)
	case 2: // mid-response, or a client that stops reading for a while
		id := c.id()
		n := 20 + r.IntN(200)
		c.logf("abort mid-response %d chunks %d reset %v", id, n, reset)
		fmt.Fprintf(conn, "GET /stream/%d/%d/%d/%d HTTP/1.1\r\nHost: x\r\n\r\n", id, n, 32<<10, r.IntN(2))
		time.Sleep(time.Duration(r.IntN(20)) * time.Millisecond)
		io.CopyN(io.Discard, conn, int64(r.IntN(n*32<<10)))
	default: // stop reading for a while, then read it all and check it
		id := c.id()
		n, size := 10+r.IntN(60), 32<<10
		c.logf("slow reader %d chunks %d", id, n)
		conn.SetLinger(-1)
		fmt.Fprintf(conn, "GET /stream/%d/%d/%d/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", id, n, size)
		time.Sleep(time.Duration(20+r.IntN(150)) * time.Millisecond)
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
		if err != nil {
			return c.failf("slow reader: %v", err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return c.failf("slow reader: body %v after %d bytes", err, len(b))
		}
		buf := make([]byte, size)
		for k := range n {
			fill(buf, id, k)
			if !bytes.Equal(b[k*size:(k+1)*size], buf) {
				return c.failf("slow reader: chunk %d differs", k)
			}
		}
		return c.expectClose(br, "slow reader")
	}
	return nil
}

// tortureDuration is how long a torture test runs over all its seeds:
// a second with -short, 3 s by default, EDDY_TORTURE by hand.
func tortureDuration(t *testing.T) time.Duration {
	def := 3 * time.Second
	if testing.Short() {
		def = time.Second
	}
	return soak.Duration(t, def)
}

func TestTorture(t *testing.T) {
	seeds := soak.Seeds(t, tortureSeeds, 0, 0)
	per := tortureDuration(t) / time.Duration(len(seeds))
	var total atomic.Int64
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			tortureRun(t, seed, per, &total)
		})
	}
	t.Logf("%d requests sent", total.Load())
}

func tortureRun(t *testing.T, seed uint64, d time.Duration, total *atomic.Int64) {
	leakcheck.Check(t)
	ts := &tortureServer{t: t, files: make(map[int]string)}
	ts.fileData = make([]byte, 64<<10)
	fill(ts.fileData, 0, 0)
	ts.filePath = filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(ts.filePath, ts.fileData, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{
		Handler:        ts.handler(),
		MaxHeaderBytes: tortureMaxHeader,
		MaxURIBytes:    tortureMaxURI,
	}
	panics := func(v any, stack []byte) {
		if _, ok := v.(torturePanic); !ok {
			ts.badPanic.Add(1)
			t.Errorf("seed %d: panic out of a callback: %v\n%s", seed, v, stack)
		}
	}
	addr, _ := start(t, srv, 2, eddy.WithLoopOptions(eddy.WithPanicHandler(panics)))

	var nextID, reqs, sessions atomic.Int64
	var logs sync.Map
	var failed atomic.Bool
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := range tortureClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &tclient{ts: ts, addr: addr, rng: rand.New(rand.NewPCG(seed, uint64(i))), nextID: &nextID, reqs: &reqs, logs: &logs}
			for time.Now().Before(deadline) && !failed.Load() {
				sessions.Add(1)
				t0 := time.Now()
				err := c.session()
				if el := time.Since(t0); el > 500*time.Millisecond && os.Getenv("EDDY_TORTURE_SLOW") != "" {
					t.Logf("slow session %v:\n  %s", el, strings.Join(c.log, "\n  "))
				}
				if err != nil {
					var es *errSession
					if errors.As(err, &es) {
						if !failed.Swap(true) {
							t.Errorf("seed %d client %d: %v", seed, i, err)
						}
						return
					}
					t.Errorf("seed %d client %d: %v", seed, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	total.Add(reqs.Load())
	t.Logf("seed %d: %d sessions, %d requests", seed, sessions.Load(), reqs.Load())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t0 := time.Now()
	defer func() { t.Logf("shutdown took %v", time.Since(t0)) }()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("seed %d: Shutdown: %v", seed, err)
	}
	if o, c := ts.opened.Load(), ts.closed.Load(); o != c {
		ts.mu.Lock()
		open := fmt.Sprint(ts.files)
		ids := slices.Collect(maps.Keys(ts.files))
		ts.mu.Unlock()
		t.Errorf("seed %d: %d files opened for SendFile, %d closed; open: %v", seed, o, c, open)
		if os.Getenv("EDDY_TORTURE_LOGS") != "" {
			time.Sleep(2 * time.Second)
			ts.mu.Lock()
			t.Logf("2 s later, open: %v", ts.files)
			ts.mu.Unlock()
		}
		for _, id := range ids {
			if l, ok := logs.Load(id); ok {
				t.Logf("request %d's session:\n  %s", id, l)
			}
		}
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for i, ctx := range ts.ctxs {
		if ctx.Err() == nil {
			t.Errorf("seed %d: handler context %d of %d not ended after Shutdown", seed, i, len(ts.ctxs))
			break
		}
	}
}
