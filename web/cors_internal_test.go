package web

import (
	"testing"

	"github.com/eddy-go/eddy/httpserver"
)

// The middleware on a request without an Origin, or with an allowed
// one, allocates nothing once the response's header has room, as it has
// on a connection's recycled requests.
func TestCORSAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	for _, tc := range []struct {
		name   string
		opt    CORSOptions
		origin string
	}{
		{"any/none", CORSOptions{ExposedHeaders: []string{"X-A"}}, ""},
		{"any/origin", CORSOptions{ExposedHeaders: []string{"X-A"}}, "https://a.example"},
		{"list/none", CORSOptions{AllowedOrigins: []string{"https://a.example"}}, ""},
		{"list/origin", CORSOptions{AllowedOrigins: []string{"https://a.example"}, AllowCredentials: true}, "https://a.example"},
		{"wild/origin", CORSOptions{AllowedOrigins: []string{"https://*.example"}}, "https://a.example"},
		{"list/denied", CORSOptions{AllowedOrigins: []string{"https://a.example"}}, "https://b.example"},
	} {
		r := &httpserver.Request{Method: "GET", Path: "/"}
		if tc.origin != "" {
			r.Header.Add("Origin", tc.origin)
		}
		ran := false
		h := CORS(tc.opt)(func(*Ctx) { ran = true })
		c := &Ctx{R: r, W: r.ResponseWriter()}
		n := testing.AllocsPerRun(100, func() {
			c.W.Header().Reset()
			h(c)
		})
		if n != 0 || !ran {
			t.Errorf("%s: %v allocations, handler ran %v", tc.name, n, ran)
		}
	}
}

func BenchmarkCORS(b *testing.B) {
	for _, bc := range []struct {
		name   string
		opt    CORSOptions
		origin string
	}{
		{"NoOrigin", CORSOptions{AllowedOrigins: []string{"https://a.example"}}, ""},
		{"NoOriginAny", CORSOptions{}, ""},
		{"Allowed", CORSOptions{AllowedOrigins: []string{"https://a.example"}, AllowCredentials: true}, "https://a.example"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := &httpserver.Request{Method: "GET", Path: "/"}
			if bc.origin != "" {
				r.Header.Add("Origin", bc.origin)
			}
			h := CORS(bc.opt)(func(*Ctx) {})
			c := &Ctx{R: r, W: r.ResponseWriter()}
			b.ReportAllocs()
			for b.Loop() {
				c.W.Header().Reset()
				h(c)
			}
		})
	}
}
