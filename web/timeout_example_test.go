package web_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/web"
)

// Timeout answers 503 for the routes it covers when their handler has
// not answered in time; the others answer as usual.
func ExampleTimeout() {
	rt := web.New()
	rt.Get("/quick", func(c *web.Ctx) { c.Text(200, "quick\n") })
	rt.Get("/report", func(c *web.Ctx) {
		// A step that takes too long: a slow query, say.
		httpserver.Wait(c.W, c.R.Loop().Sleep(time.Minute), func(struct{}, error) {
			c.Text(200, "report\n")
		})
	}, web.Timeout(20*time.Millisecond))
	run(rt, func(base string, get func(string, ...string) *http.Response) {
		for _, p := range []string{"/quick", "/report"} {
			resp := get(p)
			fmt.Print(resp.StatusCode, " ", body(resp))
		}
	})
	// Output:
	// 200 quick
	// 503 503 Service Unavailable
}
