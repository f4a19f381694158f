package httpbench

import (
	"encoding/json"
	"net"

	"github.com/valyala/fasthttp"
)

// serveFastHTTP runs fasthttp (GOMAXPROCS=1); files through fasthttp.FS.
func serveFastHTTP(addr, root string, ready func()) error {
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		return err
	}
	fs := &fasthttp.FS{Root: root, AcceptByteRange: true}
	files := fs.NewRequestHandler()
	srv := &fasthttp.Server{
		Name: "fasthttp",
		Handler: func(ctx *fasthttp.RequestCtx) {
			switch string(ctx.Path()) {
			case plaintextPath:
				ctx.SetContentType("text/plain")
				ctx.Write(hello)
			case jsonPath:
				b, _ := json.Marshal(jsonValue)
				ctx.SetContentType("application/json")
				ctx.Write(b)
			default:
				files(ctx)
			}
		},
	}
	ready()
	return srv.Serve(ln)
}
