package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/web"
)

// run serves h, calls fn with the base URL and a client, then shuts the
// server down.
func run(h httpserver.Handler, fn func(base string, get func(path string, hdr ...string) *http.Response)) {
	g, err := eddy.NewGroup(eddy.WithLoops(1))
	if err != nil {
		panic(err)
	}
	srv := &httpserver.Server{Handler: h}
	addr, err := srv.Serve(g, "tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	g.Start()
	tr := &http.Transport{DisableCompression: true}
	cl := &http.Client{Transport: tr}
	base := "http://" + addr.String()
	fn(base, func(path string, hdr ...string) *http.Response {
		req, _ := http.NewRequest("GET", base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			if hdr[i] == "Host" {
				req.Host = hdr[i+1]
				continue
			}
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := cl.Do(req)
		if err != nil {
			panic(err)
		}
		return resp
	})
	tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}

func body(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(b)
}

// Routes with parameters, a constraint, a group and a before hook that
// waits for an asynchronous check.
func Example() {
	rt := web.New()
	rt.Use(web.Recover(nil))
	rt.Get("/users/:id{[0-9]+}", func(c *web.Ctx) {
		c.JSON(200, map[string]string{"id": c.Param("id")})
	})
	rt.Get("/users/:name", func(c *web.Ctx) {
		c.Text(200, "hello "+c.Param("name"))
	})
	admin := rt.Group("/admin")
	admin.Before(func(c *web.Ctx) *future.Future[struct{}] {
		// Stands for a session lookup in Redis, say.
		return future.Then(c.R.Loop().Sleep(time.Millisecond), func(struct{}) (struct{}, error) {
			if c.R.Header.Get("X-Token") != "open sesame" {
				return struct{}{}, &web.HTTPError{Code: 403, Message: "no entry"}
			}
			return struct{}{}, nil
		})
	})
	admin.Get("/", func(c *web.Ctx) { c.Text(200, "welcome") })

	run(rt, func(base string, get func(string, ...string) *http.Response) {
		for _, p := range []string{"/users/42", "/users/ann", "/admin/"} {
			resp := get(p)
			fmt.Printf("%s: %d %s\n", p, resp.StatusCode, body(resp))
		}
		resp := get("/admin/", "X-Token", "open sesame")
		fmt.Printf("/admin/ with token: %d %s\n", resp.StatusCode, body(resp))
	})
	// Output:
	// /users/42: 200 {"id":"42"}
	//
	// /users/ann: 200 hello ann
	// /admin/: 403 403 no entry
	//
	// /admin/ with token: 200 welcome
}

// Static files under a route, with a range request.
func ExampleStatic() {
	dir, _ := os.MkdirTemp("", "web-example")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello, world\n"), 0o644)

	st, err := web.NewStatic(dir, web.StaticOptions{})
	if err != nil {
		panic(err)
	}
	defer st.Close()
	rt := web.New()
	rt.Get("/files/*path", st.Serve)

	run(rt, func(base string, get func(string, ...string) *http.Response) {
		resp := get("/files/hello.txt", "Range", "bytes=0-4")
		fmt.Println(resp.StatusCode, resp.Header.Get("Content-Range"), body(resp))
		resp = get("/files/hello.txt")
		etag := resp.Header.Get("ETag")
		fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
		body(resp)
		resp = get("/files/hello.txt", "If-None-Match", etag)
		fmt.Println(resp.StatusCode)
		body(resp)
	})
	// Output:
	// 206 bytes 0-4/13 hello
	// 200 text/plain; charset=utf-8
	// 304
}

// A cookie with every attribute.
func ExampleCookie_String() {
	k := &web.Cookie{Name: "sid", Value: "x1", Path: "/", MaxAge: 3600,
		Secure: true, HttpOnly: true, SameSite: web.SameSiteNone, Partitioned: true}
	s, err := k.String()
	fmt.Println(s, err)
	_, err = (&web.Cookie{Name: "sid", Value: "a;b"}).String()
	fmt.Println(err)
	// Output:
	// sid=x1; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=None; Partitioned <nil>
	// web: invalid cookie value: "a;b"
}

// Virtual hosts, a method not allowed, and the automatic OPTIONS.
func ExampleRouter_Host() {
	rt := web.New()
	rt.Get("/", func(c *web.Ctx) { c.Text(200, "main site") })
	rt.Host("api.example.com").Put("/items/:id", func(c *web.Ctx) { c.Text(200, "stored "+c.Param("id")) })

	run(rt, func(base string, get func(string, ...string) *http.Response) {
		resp := get("/")
		fmt.Println(resp.StatusCode, body(resp))
		resp = get("/items/7", "Host", "API.example.com")
		fmt.Println(resp.StatusCode, resp.Header.Get("Allow"))
		body(resp)
	})
	// Output:
	// 200 main site
	// 405 OPTIONS, PUT
}
