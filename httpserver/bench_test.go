package httpserver

import (
	"strings"
	"testing"
)

// helloHandler is the plaintext benchmark's handler.
var helloHandler = HandlerFunc(func(w *ResponseWriter, r *Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteString("Hello, World!")
})

const benchGET = "GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\nAccept: text/plain,text/html;q=0.9\r\nUser-Agent: wrk\r\nConnection: keep-alive\r\n\r\n"

// BenchmarkPlaintextKeepAlive measures the state machine's cost per
// keep-alive request, parse to response bytes, without sockets.
func BenchmarkPlaintextKeepAlive(b *testing.B) {
	fc := newFakeConn(&Server{Handler: helloHandler})
	req := []byte(benchGET)
	b.ReportAllocs()
	for b.Loop() {
		fc.out.Reset()
		fc.sc.onData(req)
	}
}

// BenchmarkPlaintextPipelined16 feeds 16 pipelined requests at once;
// the figure is per batch of 16.
func BenchmarkPlaintextPipelined16(b *testing.B) {
	fc := newFakeConn(&Server{Handler: helloHandler})
	req := []byte(strings.Repeat(benchGET, 16))
	b.ReportAllocs()
	for b.Loop() {
		fc.out.Reset()
		fc.sc.onData(req)
	}
}

// wrkHandler is the bench suite's plaintext handler.
var wrkHandler = HandlerFunc(func(w *ResponseWriter, r *Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Server", "eddy")
	w.Write(wrkHello)
})

var wrkHello = []byte("Hello, World!")

// wrkGET is the request wrk sends by default.
const wrkGET = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"

// BenchmarkWrkKeepAlive is the bench suite's plaintext workload, one
// request per read, without sockets.
func BenchmarkWrkKeepAlive(b *testing.B) {
	fc := newFakeConn(&Server{Handler: wrkHandler})
	req := []byte(wrkGET)
	b.ReportAllocs()
	for b.Loop() {
		fc.out.Reset()
		fc.sc.onData(req)
	}
}

// BenchmarkWrkPipelined16 is the bench suite's pipelined workload: 16
// wrk requests per read; the figure is per batch of 16.
func BenchmarkWrkPipelined16(b *testing.B) {
	fc := newFakeConn(&Server{Handler: wrkHandler})
	req := []byte(strings.Repeat(wrkGET, 16))
	b.ReportAllocs()
	for b.Loop() {
		fc.out.Reset()
		fc.sc.onData(req)
	}
}
