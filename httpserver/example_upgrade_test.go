package httpserver_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
)

// upper is a protocol of the example's own: it echoes upper-cased.
type upper struct{ eddy.BaseHandler }

func (upper) OnData(c *eddy.Conn, p []byte) int {
	c.Write(bytes.ToUpper(p))
	return len(p)
}

// Switching a connection to another protocol, after an Early Hints
// response on another request.
func ExampleResponseWriter_Upgrade() {
	g, err := eddy.NewGroup(eddy.WithLoops(1))
	if err != nil {
		panic(err)
	}
	srv := &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		if !r.IsUpgrade() {
			hints := &httpserver.Header{}
			hints.Add("Link", "</app.css>; rel=preload; as=style")
			w.WriteInterim(103, hints)
			w.WriteString("page")
			return
		}
		w.Upgrade("upper", func(c *eddy.Conn) eddy.Handler { return upper{} })
	})}
	addr, err := srv.Serve(g, "tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	g.Start()

	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		panic(err)
	}
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /page HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, _ := http.ReadResponse(br, nil)
	fmt.Println(resp.StatusCode, resp.Header.Get("Link"))
	resp, _ = http.ReadResponse(br, nil)
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(b))

	io.WriteString(c, "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: upper\r\n\r\nhello")
	resp, _ = http.ReadResponse(br, nil)
	fmt.Println(resp.StatusCode, resp.Header.Get("Upgrade"))
	echo := make([]byte, 5)
	io.ReadFull(br, echo)
	fmt.Println(string(echo))
	c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println(srv.Shutdown(ctx))
	// Output:
	// 103 </app.css>; rel=preload; as=style
	// 200 page
	// 101 upper
	// HELLO
	// <nil>
}
