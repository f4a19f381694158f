package httpclient_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/looptest"
)

// A connection tells its loop while a response is due (for the loop's
// adaptive spin), and withdraws it when the response ends or fails.
func TestAwaitingResponse(t *testing.T) {
	leakcheck.Check(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	l := startLoop(t)
	c := &httpclient.Client{Loop: l}
	awaiting := func(want int) {
		t.Helper()
		looptest.WaitStats(t, l, fmt.Sprint(want, " awaiting"), func(st eddy.Stats) bool { return st.Awaiting == want })
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := get(t, c, srv.URL+"/slow")
		done <- err
	}()
	awaiting(1)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	awaiting(0)
	// A failed request withdraws it too.
	if _, _, err := get(t, c, "http://127.0.0.1:1/"); err == nil {
		t.Fatal("request to a closed port succeeded")
	}
	awaiting(0)
	c.CloseIdleConnections()
}
