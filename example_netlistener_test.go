package eddy_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/eddy-go/eddy"
)

// Goroutine code, here net/http's server, can accept a loop's
// connections through a net.Listener.
func ExampleLoop_ListenNet() {
	l, _ := eddy.New(eddy.WithKeepAlive())
	done := make(chan error, 1)
	go func() { done <- l.Run() }()

	ln, err := l.ListenNet("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s", r.URL.Path)
	})}
	go srv.Serve(ln)

	resp, err := http.Get("http://" + ln.Addr().String() + "/loop")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))

	srv.Close() // closes the listener
	l.Stop()
	<-done
	// Output: hello from /loop
}
