package web_test

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"time"

	"github.com/eddy-go/eddy/web"
)

// Letting one web app call an API from another origin, with cookies.
// CORS goes on the Router here, for every path; on a Group it would
// cover the group's paths, its preflights included (there is no OPTIONS
// route: the router's own answer runs the middleware).
func ExampleCORS() {
	rt := web.New()
	rt.Use(web.CORS(web.CORSOptions{
		AllowedOrigins:   []string{"https://app.example.com", "https://*.preview.example.com"},
		AllowedMethods:   []string{"GET", "POST", "DELETE"},
		AllowedHeaders:   []string{"Content-Type", "X-CSRF-Token"},
		ExposedHeaders:   []string{"X-Request-Id"},
		AllowCredentials: true,
		MaxAge:           time.Hour,
	}))
	rt.Delete("/api/orders/:id", func(c *web.Ctx) {
		c.W.Header().Set("X-Request-Id", "r-42")
		c.Text(200, "deleted "+c.Param("id")+"\n")
	})
	run(rt, func(base string, _ func(string, ...string) *http.Response) {
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		send := func(method string, hdr ...string) *http.Response {
			req, _ := http.NewRequest(method, base+"/api/orders/7", nil)
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				panic(err)
			}
			return resp
		}
		// What the browser asks first.
		resp := send("OPTIONS", "Origin", "https://pr-12.preview.example.com",
			"Access-Control-Request-Method", "DELETE",
			"Access-Control-Request-Headers", "x-csrf-token")
		body(resp)
		fmt.Println(resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		fmt.Println(resp.Header.Get("Access-Control-Allow-Methods"), "|",
			resp.Header.Get("Access-Control-Allow-Headers"), "|", resp.Header.Get("Access-Control-Max-Age"))
		// The request itself.
		resp = send("DELETE", "Origin", "https://pr-12.preview.example.com", "X-CSRF-Token", "t")
		fmt.Print(resp.Header.Get("Access-Control-Allow-Credentials"), " ",
			resp.Header.Get("Access-Control-Expose-Headers"), " ", body(resp))
		// Another site gets the same answer, but no CORS fields: its
		// script cannot read it, and its preflight fails.
		resp = send("OPTIONS", "Origin", "https://evil.example.net", "Access-Control-Request-Method", "DELETE")
		body(resp)
		fmt.Printf("%d %q %s\n", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Vary"))
	})
	// Output:
	// 204 https://pr-12.preview.example.com
	// GET, POST, DELETE | x-csrf-token | 3600
	// true X-Request-Id deleted 7
	// 204 "" Origin, Access-Control-Request-Method, Access-Control-Request-Headers
}

// Guarding an admin area with a password. The sums are compared rather
// than the strings so that the comparison takes the same time whatever
// the guess, its length included (subtle.ConstantTimeCompare returns at
// once on different lengths).
func ExampleBasicAuth() {
	wantUser := sha256.Sum256([]byte("admin"))
	wantPass := sha256.Sum256([]byte("correct horse battery staple"))
	check := func(c *web.Ctx, user, pass string) bool {
		u := sha256.Sum256([]byte(user))
		p := sha256.Sum256([]byte(pass))
		// Both compared, so that a wrong user takes as long.
		okUser := subtle.ConstantTimeCompare(u[:], wantUser[:])
		okPass := subtle.ConstantTimeCompare(p[:], wantPass[:])
		return okUser&okPass == 1
	}
	rt := web.New()
	admin := rt.Group("/admin", web.BasicAuth("Admin area", check))
	admin.Get("/stats", func(c *web.Ctx) {
		user, _, _ := c.BasicAuth()
		c.Text(200, "hello "+user+"\n")
	})
	run(rt, func(base string, get func(string, ...string) *http.Response) {
		resp := get("/admin/stats")
		body(resp)
		fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		req, _ := http.NewRequest("GET", base+"/admin/stats", nil)
		req.SetBasicAuth("admin", "correct horse battery staple")
		resp = get("/admin/stats", "Authorization", req.Header.Get("Authorization"))
		fmt.Print(resp.StatusCode, " ", body(resp))
	})
	// Output:
	// 401 Basic realm="Admin area", charset="UTF-8"
	// 200 hello admin
}
