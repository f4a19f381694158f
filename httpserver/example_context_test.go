package httpserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
)

type userKey struct{}

// get fetches path from addr with a client of its own and returns the
// status and body.
func get(addr, path string) (int, string) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("http://" + addr + path)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A handler passes its request's context to asynchronous work (a
// driver's call takes one), so that the work stops when the response
// ends or the client goes away.
func ExampleRequest_Context() {
	g, err := eddy.NewGroup(eddy.WithLoops(1))
	if err != nil {
		panic(err)
	}
	base := context.WithValue(context.Background(), userKey{}, "admin")
	ctxs := make(chan context.Context, 1)
	srv := &httpserver.Server{
		BaseContext: func() context.Context { return base },
		Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
			ctx := r.Context()
			ctxs <- ctx
			httpserver.Wait(w, r.Loop().Sleep(10*time.Millisecond), func(struct{}, error) {
				fmt.Fprintf(w, "working for %v, cancelled: %v", ctx.Value(userKey{}), ctx.Err() != nil)
			})
		}),
	}
	addr, err := srv.Serve(g, "tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	g.Start()

	fmt.Println(get(addr.String(), "/"))
	ctx := <-ctxs
	<-ctx.Done()
	fmt.Println("then:", context.Cause(ctx))

	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	// Output:
	// 200 working for admin, cancelled: false
	// then: httpserver: response already ended
}

// TimeoutHandler answers 503 for a handler that has not answered in
// time, and cancels its request's context.
func ExampleTimeoutHandler() {
	g, err := eddy.NewGroup(eddy.WithLoops(1))
	if err != nil {
		panic(err)
	}
	causes := make(chan error, 1)
	slow := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.Async()
		work := r.Loop().AfterFunc(time.Minute, func() { w.WriteString("done"); w.End() })
		w.OnEnd(func() {
			work.Stop() // the response has ended, by the timeout: stop working
			causes <- context.Cause(r.Context())
		})
	})
	srv := &httpserver.Server{Handler: httpserver.TimeoutHandler(slow, 20*time.Millisecond, "busy, try again\n")}
	addr, err := srv.Serve(g, "tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	g.Start()

	status, body := get(addr.String(), "/")
	fmt.Print(status, " ", body)
	fmt.Println(<-causes)

	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	// Output:
	// 503 busy, try again
	// httpserver: handler timed out
}
