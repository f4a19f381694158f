package web_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

func TestAdapt(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Get("/std/*rest", web.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "net/http saw %s %s", r.Method, r.URL.Path)
	})))
	rt.Get("/raw", web.Adapt(httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.WriteString("raw " + r.Path)
	})))
	base, cl := serve(t, rt)
	if r := do(t, cl, "GET", base+"/std/x/y", ""); r.status != 200 || r.body != "net/http saw GET /std/x/y" {
		t.Errorf("std: %d %q", r.status, r.body)
	}
	if r := do(t, cl, "GET", base+"/raw", ""); r.body != "raw /raw" {
		t.Errorf("raw: %q", r.body)
	}
}
