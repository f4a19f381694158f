package httpbench

import (
	"encoding/json"
	"net"
	"net/http"
)

// serveNetHTTP runs net/http (GOMAXPROCS=1 comes from the environment);
// files through http.FileServer.
func serveNetHTTP(addr, root string, ready func()) error {
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		return err
	}
	ready()
	return http.Serve(ln, stdMux("nethttp", root))
}

// stdMux is the net/http handler, shared with nbio's nbhttp.
func stdMux(name, root string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(plaintextPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Server", name)
		w.Write(hello)
	})
	mux.HandleFunc(jsonPath, func(w http.ResponseWriter, r *http.Request) {
		b, _ := json.Marshal(jsonValue)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Server", name)
		w.Write(b)
	})
	mux.Handle("/static/", http.FileServer(http.Dir(root)))
	return mux
}
