package redis_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/redis"
)

// stub stands in for redis-server so that the examples run anywhere: it
// knows HELLO, GET, SET and INCR, on one in-memory keyspace, and CLUSTER
// SLOTS, answering that it serves every slot alone.
type stub struct {
	eddy.BaseHandler
	data map[string]string
	dec  map[*eddy.Conn]*resp.Decoder
}

func (s *stub) OnData(c *eddy.Conn, p []byte) int {
	d := s.dec[c]
	if d == nil {
		d = resp.NewDecoder()
		s.dec[c] = d
	}
	d.Feed(p)
	var out []byte
	for {
		v, err := d.Next()
		if err != nil {
			break
		}
		var args []string
		for _, e := range v.Elems() {
			a, _ := e.Str()
			args = append(args, a)
		}
		switch strings.ToUpper(args[0]) {
		case "HELLO":
			out = resp.AppendValue(out, resp.MapOf(resp.BulkString("proto"), resp.Integer(3)))
		case "SET":
			s.data[args[1]] = args[2]
			out = resp.AppendSimpleString(out, "OK")
		case "GET":
			if val, ok := s.data[args[1]]; ok {
				out = resp.AppendBulkString(out, val)
			} else {
				out = resp.AppendNull(out)
			}
		case "INCR":
			n, _ := strconv.Atoi(s.data[args[1]])
			s.data[args[1]] = strconv.Itoa(n + 1)
			out = resp.AppendInt(out, int64(n+1))
		case "CLUSTER":
			if len(args) < 2 || strings.ToUpper(args[1]) != "SLOTS" {
				out = resp.AppendSimpleError(out, "ERR unknown subcommand")
				break
			}
			_, port, _ := strings.Cut(c.LocalAddr().String(), ":")
			p, _ := strconv.Atoi(port)
			out = resp.AppendValue(out, resp.ArrayOf(resp.ArrayOf(resp.Integer(0), resp.Integer(16383),
				resp.ArrayOf(resp.BulkString("127.0.0.1"), resp.Integer(int64(p)), resp.BulkString("stub")))))
		default:
			out = resp.AppendSimpleError(out, "ERR unknown command")
		}
	}
	c.Write(out)
	return len(p)
}

func startStub() (*eddy.Loop, string) {
	loop, _ := eddy.New(eddy.WithKeepAlive())
	addr := make(chan string)
	loop.Post(func() {
		ln, _ := loop.Listen("tcp", "127.0.0.1:0", &stub{data: map[string]string{}, dec: map[*eddy.Conn]*resp.Decoder{}})
		addr <- ln.Addr().String()
	})
	go loop.Run()
	return loop, <-addr
}

// Goroutine code uses the blocking facade, which shares the client's
// auto-pipelined connection.
func ExampleSync() {
	loop, addr := startStub()
	defer loop.Stop()
	c, _ := redis.Dial(loop, addr, redis.Options{})
	defer c.Close()
	s := c.Sync()
	ctx := context.Background()

	s.Set(ctx, "greeting", "hello", redis.SetOptions{})
	v, _ := s.Get(ctx, "greeting")
	fmt.Println(v)
	_, err := s.Get(ctx, "missing")
	fmt.Println(errors.Is(err, redis.Nil))
	// Output:
	// hello
	// true
}

// Loop code composes futures; the commands of one loop turn go out in one
// write.
func ExampleClient_Incr() {
	loop, addr := startStub()
	defer loop.Stop()
	c, _ := redis.Dial(loop, addr, redis.Options{})
	defer c.Close()

	var fs []*future.Future[int64]
	for range 3 {
		fs = append(fs, c.Incr("hits"))
	}
	all, _ := future.All(fs...).Await(context.Background())
	fmt.Println(all)
	// Output: [1 2 3]
}

// Do sends any command; its reply is a resp.Value that stays valid.
func ExampleClient_Do() {
	loop, addr := startStub()
	defer loop.Stop()
	c, _ := redis.Dial(loop, addr, redis.Options{})
	defer c.Close()

	v, _ := c.Do("SET", "n", 42).Await(context.Background())
	fmt.Println(v.Str())
	v, _ = c.Do("GET", "n").Await(context.Background())
	n, _ := v.Int()
	fmt.Println(n)
	// Output:
	// OK <nil>
	// 42
}
