package http1_test

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/eddy-go/eddy/codec/http1"
)

// A server loop over one connection's read buffer: two pipelined
// requests, the second with a chunked body, arriving in two reads.
func ExampleRequestParser() {
	reads := []string{
		"GET /hello HTTP/1.1\r\nHost: example.com\r\n\r\nPOST /up HTTP/1.1\r\nHost: example.com\r\n",
		"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	}
	var p http1.RequestParser
	var buf []byte
	for _, r := range reads {
		buf = append(buf, r...) // a read from the socket
		for {
			n, ev, err := p.Parse(buf)
			buf = buf[n:]
			if errors.Is(err, http1.ErrNeedMore) {
				break
			}
			if err != nil {
				fmt.Println("error:", err)
				return
			}
			switch ev.Kind {
			case http1.EventHead:
				req := p.Request()
				fmt.Printf("%s %s host=%s framing=%v\n", req.Method, req.Path, req.Host, req.Framing)
			case http1.EventBody:
				fmt.Printf("body %q\n", ev.Data)
			case http1.EventEnd:
				fmt.Println("end")
			}
		}
	}
	// Output:
	// GET /hello host=example.com framing=None
	// end
	// POST /up host=example.com framing=Chunked
	// body "hello"
	// end
}

// A parse failure carries the status to answer with.
func ExampleError() {
	var p http1.RequestParser
	_, _, err := p.Parse([]byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"))
	var e *http1.Error
	if errors.As(err, &e) {
		resp, _ := http1.AppendResponseHeader(nil, e.Status, http1.Header{
			{Name: []byte("Connection"), Value: []byte("close")},
		})
		fmt.Printf("%q\n", resp)
		fmt.Println(errors.Is(err, http1.ErrLengthAndChunked))
	}
	// Output:
	// "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"
	// true
}

// A client reads the response to a HEAD request, which has no body even
// though it declares a length, and then a pipelined GET response.
func ExampleResponseParser() {
	var p http1.ResponseParser
	buf := []byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
	p.SetMethod("HEAD")
	for {
		n, ev, err := p.Parse(buf)
		buf = buf[n:]
		if err != nil {
			break // ErrNeedMore: the buffer is used up
		}
		switch ev.Kind {
		case http1.EventHead:
			r := p.Response()
			fmt.Println(r.Status, r.Framing, r.ContentLength)
		case http1.EventBody:
			fmt.Printf("body %q\n", ev.Data)
		case http1.EventEnd:
			fmt.Println("end")
			p.SetMethod("GET") // the next response answers a GET
		}
	}
	// Output:
	// 200 None 5
	// end
	// 200 Length 5
	// body "hello"
	// end
}

func ExampleAppendResponseHeader() {
	body := "hello"
	var date http1.DateCache
	now := time.Date(2024, time.March, 1, 12, 0, 0, 0, time.UTC)
	dst := make([]byte, 0, 256)
	dst = append(dst, "HTTP/1.1 200 OK\r\nDate: "...)
	dst = date.Append(dst, now)
	dst = append(dst, "\r\n"...)
	fmt.Printf("%q\n", dst)

	head, err := http1.AppendResponseHeader(nil, 200, http1.Header{
		{Name: []byte("Content-Type"), Value: []byte("text/plain")},
		{Name: []byte("Content-Length"), Value: strconv.AppendInt(nil, int64(len(body)), 10)},
	})
	fmt.Printf("%q %v\n", head, err)

	_, err = http1.AppendResponseHeader(nil, 200, http1.Header{
		{Name: []byte("Location"), Value: []byte("/a\r\nSet-Cookie: x=1")},
	})
	fmt.Println(err)
	// Output:
	// "HTTP/1.1 200 OK\r\nDate: Fri, 01 Mar 2024 12:00:00 GMT\r\n"
	// "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n" <nil>
	// http1: invalid field value
}

func ExampleAppendChunk() {
	var out []byte
	out, _ = http1.AppendResponseHeader(out, 200, http1.Header{
		{Name: []byte("Transfer-Encoding"), Value: []byte("chunked")},
	})
	out = http1.AppendChunk(out, []byte("hello, "))
	out = http1.AppendChunk(out, []byte("world"))
	out, _ = http1.AppendLastChunk(out, http1.Header{
		{Name: []byte("Server-Timing"), Value: []byte("db;dur=53")},
	})
	fmt.Printf("%q\n", out)
	// Output:
	// "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nhello, \r\n5\r\nworld\r\n0\r\nServer-Timing: db;dur=53\r\n\r\n"
}

func ExampleAppendRequestHeader() {
	req, err := http1.AppendRequestHeader(nil, "GET", "/search?q=eddy", http1.Header{
		{Name: []byte("Host"), Value: []byte("example.com")},
	})
	fmt.Printf("%q %v\n", req, err)
	// Output:
	// "GET /search?q=eddy HTTP/1.1\r\nHost: example.com\r\n\r\n" <nil>
}

func ExampleAppendDate() {
	t := time.Date(1994, time.November, 6, 8, 49, 37, 0, time.UTC)
	fmt.Println(string(http1.AppendDate(nil, t)))
	// Output:
	// Sun, 06 Nov 1994 08:49:37 GMT
}
