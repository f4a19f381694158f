package httpclient_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

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

// Send runs on the loop and returns a future of the whole response.
func ExampleClient_Send() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello, loop")
	}))
	defer srv.Close()
	l, _ := eddy.New(eddy.WithKeepAlive())
	done := make(chan struct{})
	go func() { l.Run(); close(done) }()
	defer func() { l.Stop(); <-done }()

	c := &httpclient.Client{Loop: l}
	u, _ := url.Parse(srv.URL)
	got := make(chan string, 1)
	l.Post(func() {
		c.Send(&httpclient.Request{URL: u}).OnSettle(func(r *httpclient.Response, err error) {
			if err != nil {
				got <- err.Error()
				return
			}
			got <- fmt.Sprint(r.Status, " ", string(r.Body))
		})
	})
	fmt.Println(<-got)
	// Output: 200 hello, loop
}

// Stream hands the body to a callback piece by piece.
func ExampleClient_Stream() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", 100000))
	}))
	defer srv.Close()
	l, _ := eddy.New(eddy.WithKeepAlive())
	done := make(chan struct{})
	go func() { l.Run(); close(done) }()
	defer func() { l.Stop(); <-done }()

	c := &httpclient.Client{Loop: l}
	u, _ := url.Parse(srv.URL)
	total := 0
	got := make(chan string, 1)
	l.Post(func() {
		c.Stream(&httpclient.Request{URL: u}, httpclient.StreamHandler{
			Body: func(s *httpclient.Stream, p []byte) { total += len(p) },
		}).OnSettle(func(r *httpclient.Response, err error) {
			got <- fmt.Sprint(r.Status, " ", total, " bytes ", err)
		})
	})
	fmt.Println(<-got)
	// Output: 200 100000 bytes <nil>
}
