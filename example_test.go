package eddy_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
)

// upper answers each read with the same bytes in upper case.
type upper struct{ eddy.BaseHandler }

func (upper) OnData(c *eddy.Conn, data []byte) int {
	out := make([]byte, len(data))
	for i, b := range data {
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		out[i] = b
	}
	c.Write(out)
	return len(data)
}

// client sends one message, prints the reply and closes.
type client struct {
	eddy.BaseHandler
	msg  string
	done func()
}

func (h *client) OnOpen(c *eddy.Conn) { c.Write([]byte(h.msg)) }

func (h *client) OnData(c *eddy.Conn, data []byte) int {
	fmt.Printf("%s\n", data)
	c.Close()
	return len(data)
}

func (h *client) OnClose(*eddy.Conn, error) { h.done() }

// A server and a client on one loop. The loop ends by itself once the
// listener and both connections are closed.
func ExampleLoop_Listen() {
	l, err := eddy.New()
	if err != nil {
		panic(err)
	}
	ln, err := l.Listen("tcp", "127.0.0.1:0", upper{})
	if err != nil {
		panic(err)
	}
	l.Dial("tcp", ln.Addr().String(), &client{msg: "hello, loop", done: func() { ln.Close() }})
	l.Run()
	// Output: HELLO, LOOP
}

func ExampleLoop_AfterFunc() {
	l, _ := eddy.New()
	ticks := 0
	var t *eddy.Timer
	t = l.Every(time.Millisecond, func() {
		ticks++
		if ticks == 3 {
			t.Stop()
		}
	})
	l.AfterFunc(20*time.Millisecond, func() { fmt.Println("ticks:", ticks) })
	l.Run()
	// Output: ticks: 3
}

// Blocking work runs in the worker pool; its result comes back on the
// loop as a future.
func ExampleSubmit() {
	l, _ := eddy.New()
	size := eddy.Submit(l, func() (int64, error) {
		fi, err := os.Stat(os.Args[0]) // blocking: off the loop
		if err != nil {
			return 0, err
		}
		return fi.Size(), nil
	})
	future.Then(size, func(n int64) (struct{}, error) {
		fmt.Println("found the test binary:", n > 0)
		return struct{}{}, nil
	})
	l.Run()
	// Output: found the test binary: true
}

// Other goroutines reach a loop through Post.
func ExampleLoop_Post() {
	l, _ := eddy.New(eddy.WithKeepAlive())
	go func() {
		l.Post(func() {
			fmt.Println("on the loop:", l.OnLoop())
			l.Stop()
		})
	}()
	l.Run()
	// Output: on the loop: true
}

// A Group runs one loop per core (two here) behind one listening port.
func ExampleGroup() {
	g, _ := eddy.NewGroup(eddy.WithLoops(2))
	addr, _ := g.Listen("tcp", "127.0.0.1:0", upper{})
	g.Start()
	c, _ := net.Dial("tcp", addr.String())
	c.Write([]byte("grouped"))
	buf := make([]byte, 7)
	io.ReadFull(c, buf)
	c.Close()
	fmt.Println(string(buf))
	g.Shutdown(context.Background())
	// Output: GROUPED
}

// Goroutine code can use a loop connection as a net.Conn.
func ExampleLoop_DialNet() {
	l, _ := eddy.New(eddy.WithKeepAlive())
	addrc := make(chan string)
	l.Post(func() {
		ln, _ := l.Listen("tcp", "127.0.0.1:0", upper{})
		addrc <- ln.Addr().String()
	})
	go l.Run()
	c, err := l.DialNet(context.Background(), "tcp", <-addrc)
	if err != nil {
		panic(err)
	}
	fmt.Fprint(c, "net.Conn")
	buf := make([]byte, 8)
	io.ReadFull(c, buf)
	fmt.Println(string(buf))
	c.Close()
	l.Stop()
	// Output: NET.CONN
}

func ExampleLoop_Watch() {
	dir, _ := os.MkdirTemp("", "eddy-watch")
	defer os.RemoveAll(dir)
	l, _ := eddy.New()
	var w *eddy.Watcher
	w, err := l.Watch(dir, eddy.WatchOptions{}, func(ev eddy.WatchEvent) {
		if ev.Op.Has(eddy.Create) {
			fmt.Println("created", filepath.Base(ev.Name))
			w.Close()
		}
	})
	if err != nil {
		panic(err)
	}
	l.NextTick(func() { os.WriteFile(filepath.Join(dir, "new.txt"), nil, 0o600) })
	l.Run()
	// Output: created new.txt
}
