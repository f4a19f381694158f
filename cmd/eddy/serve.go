package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/tlsx"
)

// serve runs the server until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, o options, out, logOut io.Writer, ready chan<- string) error {
	var gopts []eddy.GroupOption
	if o.loops > 0 {
		gopts = append(gopts, eddy.WithLoops(o.loops))
	}
	var lopts []eddy.ListenOption
	scheme := "http"
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return err
		}
		lopts = append(lopts, eddy.WithLayer(tlsx.ServerLayer(&tls.Config{Certificates: []tls.Certificate{cert}})))
		scheme = "https"
	}
	g, err := eddy.NewGroup(gopts...)
	if err != nil {
		return err
	}
	var h httpserver.Handler
	if o.root != "" {
		fh, err := newFileHandler(o.root)
		if err != nil {
			g.Stop()
			g.Run()
			return err
		}
		defer fh.close()
		h = fh
	} else {
		h = &demoHandler{group: g, start: time.Now()}
	}
	if o.accessLog {
		h = accessLog(slog.New(slog.NewTextHandler(logOut, nil)), h)
	}
	srv := &httpserver.Server{Handler: h}
	bound, err := srv.Serve(g, "tcp", o.listen, lopts...)
	if err != nil {
		g.Stop()
		g.Run()
		return err
	}
	g.Start()
	fmt.Fprintf(out, "eddy: serving %s://%s/ on %d loops (Ctrl-C to stop)\n", scheme, bound, len(g.Loops()))
	if ready != nil {
		ready <- bound.String()
	}
	<-ctx.Done()
	fmt.Fprintln(out, "eddy: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), o.grace)
	defer cancel()
	// Past the grace period the connections left are cut, which is
	// no failure (Shutdown joins the loops' errors: test with errors.Is).
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// accessLog logs one line per request once its response has ended.
func accessLog(log *slog.Logger, next httpserver.Handler) httpserver.Handler {
	return httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		start := time.Now()
		w.OnEnd(func() {
			log.Info("request", "method", r.Method, "target", r.Target, "status", w.Status(),
				"bytes", w.Written(), "remote", r.RemoteAddr(), "duration", time.Since(start))
		})
		next.ServeHTTP(w, r)
	})
}
