package httpclient

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/http1"
)

// cannedResponse is what nginx answers for a small static file.
const cannedResponse = "HTTP/1.1 200 OK\r\nServer: nginx/1.26.3\r\nDate: Sat, 28 Nov 2026 11:00:00 GMT\r\n" +
	"Content-Type: text/plain\r\nContent-Length: 13\r\nLast-Modified: Sat, 28 Nov 2026 10:00:00 GMT\r\n" +
	"Connection: keep-alive\r\nETag: \"6929b1a0-d\"\r\nAccept-Ranges: bytes\r\n\r\nHello, World!"

// cannedBytes is cannedResponse, written without a conversion.
var cannedBytes = []byte(cannedResponse)

// cannedServer answers every request head it reads with cannedResponse,
// on the loop it runs on: no goroutine, no parsing beyond the blank line.
type cannedServer struct{ eddy.BaseHandler }

func (cannedServer) OnData(c *eddy.Conn, data []byte) int {
	n := 0
	for {
		i := bytes.Index(data[n:], []byte("\r\n\r\n"))
		if i < 0 {
			return n
		}
		n += i + 4
		c.Write(cannedBytes)
	}
}

// BenchmarkSendLoopback measures one Send, with a server answering on the
// same loop over loopback TCP: the whole per-request path of the client,
// with the write and read system calls of both ends. b.N requests run
// with 64 in flight.
func BenchmarkSendLoopback(b *testing.B) {
	l, err := eddy.New(eddy.WithKeepAlive()) // alive before the first Post
	if err != nil {
		b.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- l.Run() }()
	defer func() { l.Stop(); <-ran }()
	lnc := make(chan *eddy.Listener, 1)
	errc := make(chan error, 1)
	l.Post(func() {
		ln, err := l.Listen("tcp", "127.0.0.1:0", cannedServer{})
		lnc <- ln
		errc <- err
	})
	ln := <-lnc
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse("http://" + ln.Addr().String() + "/hello.txt")
	c := &Client{Loop: l, MaxIdlePerHost: 128, DisableCompression: true}
	defer c.CloseIdleConnections()
	run := func(n int) error {
		done := make(chan error, 1)
		started, finished := 0, 0
		var next func()
		next = func() {
			started++
			c.Send(&Request{URL: u}).OnSettle(func(r *Response, err error) {
				finished++
				if err == nil && (r.Status != 200 || string(r.Body) != "Hello, World!") {
					err = ErrMalformedResponse
				}
				switch {
				case err != nil:
					if finished <= n {
						finished = n + 1
						done <- err
					}
				case started < n:
					next()
				case finished == n:
					done <- nil
				}
			})
		}
		l.Post(func() {
			for range min(64, n) {
				next()
			}
		})
		return <-done
	}
	if err := run(256); err != nil { // open the connections
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := processCPU()
	if err := run(b.N); err != nil {
		b.Fatal(err)
	}
	if cpu1, ok := processCPU(); ok && cpuOK {
		// CPU time, less noisy than wall time on a shared machine; it
		// counts the server's half too.
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkRequestHead measures the encoding of a plain GET's head on a
// pooled connection, as each request after the first does it.
func BenchmarkRequestHead(b *testing.B) {
	u, _ := url.Parse("http://127.0.0.1:8080/hello.txt")
	c := &Client{DisableCompression: true}
	pc := &pconn{pool: &hostPool{}}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		t := &trip{c: c, req: &Request{URL: u}, pc: pc}
		var err error
		if buf, err = t.appendHead(buf[:0], pc.pool); err != nil {
			b.Fatal(err)
		}
	}
}

// nopSink discards the response.
type nopSink struct{ n int }

func (s *nopSink) head(*trip, *Response)  {}
func (s *nopSink) body(_ *trip, p []byte) { s.n += len(p) }
func (s *nopSink) end(*trip, *Response)   {}
func (s *nopSink) fail(error)             {}

// BenchmarkResponseHead measures the parsing of a canned response and its
// conversion into a Response, as a connection does it, without a socket.
func BenchmarkResponseHead(b *testing.B) {
	u, _ := url.Parse("http://127.0.0.1:8080/hello.txt")
	c := &Client{DisableCompression: true}
	s := &nopSink{}
	var p http1.ResponseParser
	data := []byte(cannedResponse)
	b.ReportAllocs()
	for b.Loop() {
		t := &trip{c: c, req: &Request{URL: u}, sink: s}
		p.SetMethod("GET")
		for n := 0; n < len(data); {
			m, ev, err := p.Parse(data[n:])
			if err != nil {
				b.Fatal(err)
			}
			n += m
			switch ev.Kind {
			case http1.EventHead:
				t.head(p.Response())
			case http1.EventBody:
				t.body(ev.Data)
			}
		}
	}
}
