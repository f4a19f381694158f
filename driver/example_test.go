package driver_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/driver"
)

// upper is a toy server: it answers each line with the line in capitals.
type upper struct{ eddy.BaseHandler }

func (upper) OnData(c *eddy.Conn, data []byte) int {
	i := bytes.LastIndexByte(data, '\n')
	c.Write(bytes.ToUpper(data[:i+1]))
	return i + 1
}

// lines is the toy protocol's codec: one reply per line.
type lines struct{ buf []byte }

func (d *lines) Feed(p []byte) { d.buf = append(d.buf, p...) }
func (d *lines) Buffered() int { return len(d.buf) }
func (d *lines) Reset()        { d.buf = d.buf[:0] }

func (d *lines) Next(struct{}) (string, error) {
	i := bytes.IndexByte(d.buf, '\n')
	if i < 0 {
		return "", driver.ErrNeedMore
	}
	s := string(d.buf[:i])
	d.buf = d.buf[i+1:]
	return s, nil
}

// A driver for a line protocol in a few lines: goroutine code shares one
// pipelined connection through Do.
func Example() {
	loop, _ := eddy.New(eddy.WithKeepAlive())
	addr := make(chan string)
	loop.Post(func() {
		ln, _ := loop.Listen("tcp", "127.0.0.1:0", upper{})
		addr <- ln.Addr().String()
	})
	go loop.Run()
	defer loop.Stop()

	conn := driver.New(loop, driver.Config[struct{}, string]{Addr: <-addr, Codec: &lines{}})
	defer conn.Close()
	for _, word := range strings.Fields("pipelined replies in order") {
		reply, err := conn.Do(context.Background(), struct{}{}, []byte(word+"\n"), 0)
		fmt.Println(reply, err)
	}
	// Output:
	// PIPELINED <nil>
	// REPLIES <nil>
	// IN <nil>
	// ORDER <nil>
}

// Map converts each reply as it is decoded, here to its length.
func ExampleMap() {
	loop, _ := eddy.New(eddy.WithKeepAlive())
	addr := make(chan string)
	loop.Post(func() {
		ln, _ := loop.Listen("tcp", "127.0.0.1:0", upper{})
		addr <- ln.Addr().String()
	})
	go loop.Run()
	defer loop.Stop()

	conn := driver.New(loop, driver.Config[struct{}, string]{Addr: <-addr, Codec: &lines{}})
	defer conn.Close()
	length := func(s string) (int, error) { return len(s), nil }
	n, err := driver.Map(conn, struct{}{}, []byte("converted\n"), 0, length).Await(context.Background())
	fmt.Println(n, err)
	// Output:
	// 9 <nil>
}
