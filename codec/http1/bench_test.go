package http1

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// parseAll runs p over buf until it needs more input and returns the
// number of requests completed.
func parseAll(b *testing.B, p *RequestParser, buf []byte) int {
	ends := 0
	for {
		n, ev, err := p.Parse(buf)
		buf = buf[n:]
		if err != nil {
			if !errors.Is(err, ErrNeedMore) {
				b.Fatal(err)
			}
			return ends
		}
		if ev.Kind == EventEnd {
			ends++
		}
	}
}

// BenchmarkRequestTypicalGET parses one GET with eight header fields.
func BenchmarkRequestTypicalGET(b *testing.B) {
	buf := []byte(typicalGET)
	p := NewRequestParser()
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if parseAll(b, p, buf) != 1 {
			b.Fatal("no request")
		}
	}
}

// BenchmarkRequestPipelined16 parses 16 pipelined GETs from one buffer.
func BenchmarkRequestPipelined16(b *testing.B) {
	buf := []byte(strings.Repeat(typicalGET, 16))
	p := NewRequestParser()
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if parseAll(b, p, buf) != 16 {
			b.Fatal("lost requests")
		}
	}
}

// wrkGET is the request wrk sends by default, as in the HTTP suite of
// the bench module.
const wrkGET = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"

// BenchmarkRequestWrkPipelined16 parses 16 pipelined wrk requests from
// one buffer, the pipelined workload of the bench suite.
func BenchmarkRequestWrkPipelined16(b *testing.B) {
	buf := []byte(strings.Repeat(wrkGET, 16))
	p := NewRequestParser()
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if parseAll(b, p, buf) != 16 {
			b.Fatal("lost requests")
		}
	}
}

// BenchmarkRequestMinimal parses the smallest valid HTTP/1.1 GET.
func BenchmarkRequestMinimal(b *testing.B) {
	buf := []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	p := NewRequestParser()
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		parseAll(b, p, buf)
	}
}

// BenchmarkRequestChunked parses a POST with a 4 KiB body in 16 chunks.
func BenchmarkRequestChunked(b *testing.B) {
	msg, _ := AppendRequestHeader(nil, "POST", "/upload", hdr("Host", "example.com", "Transfer-Encoding", "chunked"))
	chunk := []byte(strings.Repeat("x", 256))
	for range 16 {
		msg = AppendChunk(msg, chunk)
	}
	msg, _ = AppendLastChunk(msg, nil)
	p := NewRequestParser()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		parseAll(b, p, msg)
	}
}

// BenchmarkResponse parses a typical response head and a small body.
func BenchmarkResponse(b *testing.B) {
	buf := []byte("HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: eddy\r\n" +
		"Content-Type: text/html; charset=utf-8\r\nContent-Length: 13\r\nCache-Control: no-cache\r\n\r\nHello, world!")
	p := NewResponseParser()
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		rest := buf
		for {
			n, _, err := p.Parse(rest)
			rest = rest[n:]
			if err != nil {
				break
			}
		}
	}
}

// BenchmarkAppendResponseHeader encodes a typical response head.
func BenchmarkAppendResponseHeader(b *testing.B) {
	h := hdr("Content-Type", "text/html; charset=utf-8", "Content-Length", "13", "Server", "eddy")
	var dc DateCache
	dst := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		out, _ := AppendResponseHeader(dst, 200, h)
		_ = dc.Append(out, dateRef)
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	buf := []byte(strings.Repeat(typicalGET, 4))
	p := NewRequestParser()
	parseAll(nil, p, buf) // warm up the header array
	if n := testing.AllocsPerRun(100, func() { parseAll(nil, p, buf) }); n != 0 {
		t.Fatalf("%v allocations per run", n)
	}
}

// minimalParse is a stand-in for the minimal parsers of event-loop HTTP
// examples (such as gnet's): it finds the end of the head, the method and
// path, and a Content-Length, validating nothing. It is only a yardstick
// for the benchmarks below.
func minimalParse(buf []byte) (method, path []byte, n int) {
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, nil, 0
	}
	head := buf[:end+4]
	sp := bytes.IndexByte(head, ' ')
	sp2 := bytes.IndexByte(head[sp+1:], ' ')
	method, path = head[:sp], head[sp+1:sp+1+sp2]
	length := 0
	if i := bytes.Index(head, []byte("\r\nContent-Length:")); i >= 0 {
		v := head[i+17:]
		v = v[:bytes.IndexByte(v, '\r')]
		length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
	}
	return method, path, len(head) + length
}

func BenchmarkBaselineMinimalTypicalGET(b *testing.B) {
	buf := []byte(typicalGET)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, n := minimalParse(buf); n != len(buf) {
			b.Fatal(n)
		}
	}
}

func BenchmarkBaselineMinimalPipelined16(b *testing.B) {
	buf := []byte(strings.Repeat(typicalGET, 16))
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		rest := buf
		for len(rest) > 0 {
			_, _, n := minimalParse(rest)
			rest = rest[n:]
		}
	}
}
