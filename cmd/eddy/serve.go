package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/tlsx"
)

// serve runs the server until ctx ends, then shuts it down gracefully.
// If forced ends during that shutdown (a second Ctrl-C), the connections
// left are cut at once and serve returns errForced.
func serve(ctx context.Context, o options, out, logOut io.Writer, ready chan<- string, forced <-chan struct{}) error {
	var gopts []eddy.GroupOption
	if o.loops > 0 {
		gopts = append(gopts, eddy.WithLoops(o.loops))
	}
	var lopts []eddy.ListenOption
	scheme := "http"
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		lopts = append(lopts, eddy.WithLayer(tlsx.ServerLayer(&tls.Config{Certificates: []tls.Certificate{cert}})))
		scheme = "https"
	}
	if err := checkListen(o.listen); err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	var logW io.Writer
	switch o.accessLog {
	case "":
	case logStderr:
		logW = logOut
	case "-":
		logW = out
	default:
		f, err := os.OpenFile(o.accessLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("--access-log: %w", err)
		}
		defer f.Close()
		logW = f
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
			return fmt.Errorf("--root: %w", err)
		}
		defer fh.close()
		h = fh
	} else {
		h = &demoHandler{group: g, start: time.Now()}
	}
	if logW != nil {
		h = accessLog(slog.New(slog.NewTextHandler(logW, nil)), h)
	}
	srv := &httpserver.Server{Handler: h}
	bound, err := srv.Serve(g, "tcp", o.listen, lopts...)
	if err != nil {
		g.Stop()
		g.Run()
		return err
	}
	g.Start()
	loops := "loops"
	if len(g.Loops()) == 1 {
		loops = "loop"
	}
	fmt.Fprintf(out, "eddy: serving %s://%s/ on %d %s (Ctrl-C to stop)\n", scheme, bound, len(g.Loops()), loops)
	if ready != nil {
		ready <- bound.String()
	}
	<-ctx.Done()
	fmt.Fprintln(out, "eddy: shutting down (Ctrl-C again to stop at once)")
	sctx, cancel := context.WithTimeout(context.Background(), o.grace)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(sctx) }()
	select {
	case err = <-done:
	case <-forced:
		cancel() // as if the grace period were over
		<-done
		return errForced
	}
	// Past the grace period the connections left are cut, which is
	// no failure (Shutdown joins the loops' errors: test with errors.Is).
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// checkListen fails if something listens on addr already. The group's
// listeners share their port with SO_REUSEPORT, which would also let
// them join another server of the same user on that port (another eddy,
// an nginx with reuseport) and silently take part of its connections;
// a plain listener is refused there. Port 0 needs no check: the kernel
// picks a free port.
func checkListen(addr string) error {
	if _, port, err := net.SplitHostPort(addr); err == nil && port == "0" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return ln.Close()
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
