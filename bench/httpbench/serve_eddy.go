package httpbench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/web"
)

// serveEddy runs httpserver on one loop with a plain handler; files go
// through web.Static.
func serveEddy(addr, root string, ready func()) error {
	st, err := web.NewStatic(root, web.StaticOptions{})
	if err != nil {
		return err
	}
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		switch {
		case r.Path == plaintextPath:
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Server", "eddy")
			w.Write(hello)
		case r.Path == jsonPath:
			b, _ := json.Marshal(jsonValue)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Server", "eddy")
			w.Write(b)
		case strings.HasPrefix(r.Path, "/static/"):
			st.ServeHTTP(w, r)
		default:
			w.WriteHeader(404)
		}
	})
	return runEddy(h, addr, ready)
}

// serveEddyUring runs serveEddy's server on the io_uring backend
// (EDDY_POLLER=uring, read when the loop's poller is made).
func serveEddyUring(addr, root string, ready func()) error {
	os.Setenv("EDDY_POLLER", "uring")
	return serveEddy(addr, root, ready)
}

// serveEddyWeb runs the same behind a web.Router, with its helpers.
func serveEddyWeb(addr, root string, ready func()) error {
	st, err := web.NewStatic(filepath.Join(root, "static"), web.StaticOptions{})
	if err != nil {
		return err
	}
	rt := web.New()
	rt.Get(plaintextPath, func(c *web.Ctx) {
		c.W.Header().Set("Server", "eddy")
		c.Text(200, "Hello, World!")
	})
	rt.Get(jsonPath, func(c *web.Ctx) {
		c.W.Header().Set("Server", "eddy")
		c.JSON(200, jsonValue)
	})
	rt.Get("/static/*path", st.Serve)
	return runEddy(rt, addr, ready)
}

// runEddy serves h on one loop.
func runEddy(h httpserver.Handler, addr string, ready func()) error {
	g, err := eddy.NewGroup(eddy.WithLoops(1))
	if err != nil {
		return err
	}
	srv := &httpserver.Server{Handler: h}
	if _, err := srv.Serve(g, "tcp4", addr); err != nil {
		return err
	}
	ready()
	return g.Run()
}
