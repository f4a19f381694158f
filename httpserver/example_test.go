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

// A handler that answers after an asynchronous step, without blocking
// its loop.
func Example() {
	g, err := eddy.NewGroup(eddy.WithLoops(1))
	if err != nil {
		panic(err)
	}
	srv := &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		// Any future works here: a Redis reply, a worker-pool result...
		httpserver.Wait(w, r.Loop().Sleep(10*time.Millisecond), func(struct{}, error) {
			fmt.Fprintf(w, "hello from %s", r.Path)
		})
	})}
	addr, err := srv.Serve(g, "tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	g.Start()

	tr := &http.Transport{}
	resp, err := (&http.Client{Transport: tr}).Get("http://" + addr.String() + "/eddy")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tr.CloseIdleConnections()
	fmt.Println(resp.StatusCode, string(body))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println(srv.Shutdown(ctx))
	// Output:
	// 200 hello from /eddy
	// <nil>
}
