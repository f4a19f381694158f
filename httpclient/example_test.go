package httpclient_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpclient"
)

func ExampleClient_Do() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello from ", r.URL.Path)
	}))
	defer srv.Close()
	l, _ := eddy.New(eddy.WithKeepAlive())
	done := make(chan struct{})
	go func() { l.Run(); close(done) }()
	defer func() { l.Stop(); <-done }()

	c := &httpclient.Client{Loop: l}
	req, _ := http.NewRequest("GET", srv.URL+"/eddy", nil)
	resp, err := c.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(b))
	// Output: 200 hello from /eddy
}
