package beanstalk_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/beanstalk"
	"github.com/eddy-go/eddy/future"
)

// stub stands in for beanstalkd so that the examples run anywhere: it
// answers every put with INSERTED and a growing id.
type stub struct {
	eddy.BaseHandler
	id int
}

func (s *stub) OnData(c *eddy.Conn, data []byte) int {
	n := 0
	for {
		// "put <pri> <delay> <ttr> <bytes>\r\n<body>\r\n"
		i := bytes.Index(data[n:], []byte("\r\n"))
		if i < 0 {
			return n
		}
		var pri, delay, ttr, size int
		fmt.Sscanf(string(data[n:n+i]), "put %d %d %d %d", &pri, &delay, &ttr, &size)
		end := n + i + 2 + size + 2
		if end > len(data) {
			return n
		}
		s.id++
		c.Write(fmt.Appendf(nil, "INSERTED %d\r\n", s.id))
		n = end
	}
}

func startStub() (*eddy.Loop, string) {
	loop, _ := eddy.New(eddy.WithKeepAlive())
	addr := make(chan string)
	loop.Post(func() {
		ln, _ := loop.Listen("tcp", "127.0.0.1:0", &stub{})
		addr <- ln.Addr().String()
	})
	go loop.Run()
	return loop, <-addr
}

// Goroutine code uses the blocking facade; all callers share one
// pipelined connection.
func ExampleSync_Put() {
	loop, addr := startStub()
	defer loop.Stop()

	c, _ := beanstalk.Dial(loop, addr, beanstalk.Options{Tube: "default"})
	defer c.Close()
	s := c.Sync()
	for _, body := range []string{"first", "second"} {
		id, err := s.Put(context.Background(), []byte(body), beanstalk.PutOptions{Priority: 10})
		fmt.Println(id, err)
	}
	// Output:
	// 1 <nil>
	// 2 <nil>
}

// Loop code chains futures: the puts of one loop turn go out in one write.
func ExampleClient_Put() {
	loop, addr := startStub()
	defer loop.Stop()

	c, _ := beanstalk.Dial(loop, addr, beanstalk.Options{})
	defer c.Close()
	var ids []*future.Future[uint64]
	for range 3 {
		ids = append(ids, c.Put([]byte("job"), beanstalk.PutOptions{}))
	}
	all, err := future.All(ids...).Await(context.Background())
	fmt.Println(all, err)
	// Output: [1 2 3] <nil>
}

// A worker handles jobs on the loop, at most Concurrency at once, and
// deletes each job whose future resolves.
func ExampleNewWorker() {
	run := func(loop *eddy.Loop, addr string) {
		w, err := beanstalk.NewWorker(loop, addr, func(j beanstalk.Job) *future.Future[struct{}] {
			// Blocking work goes to the loop's worker pool.
			return eddy.Submit(loop, func() (struct{}, error) {
				fmt.Printf("job %d: %s\n", j.ID, j.Body)
				return struct{}{}, nil
			})
		}, beanstalk.WorkerOptions{
			Options:     beanstalk.Options{Watch: []string{"emails"}},
			Concurrency: 8,
		})
		if err != nil {
			panic(err)
		}
		defer w.Stop().Await(context.Background())
		// ...
	}
	_ = run
}
