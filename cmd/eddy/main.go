// Command eddy runs eddy's main job.
//
//	eddy serve [--listen 127.0.0.1:8080] [--loops N]
//
// serve starts a group of event loops, one per core by default, that
// answer HTTP requests with the live statistics of the loops. It prints
// the URL it serves and shuts down gracefully on Ctrl-C. (The full HTTP
// server and static file serving arrive with the HTTP/1.1 server.)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "eddy:", err)
		os.Exit(1)
	}
}

// run is main without the process: ready, when not nil, receives the
// bound address once the server listens, and the server stops when ctx
// (taken from the signals) ends.
func run(args []string, stdout, stderr io.Writer, ready chan<- string) error {
	if len(args) == 0 || args[0] != "serve" {
		fmt.Fprintln(stderr, "usage: eddy serve [--listen ADDR] [--loops N]")
		return fmt.Errorf("unknown command %q", firstOr(args, ""))
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	loops := fs.Int("loops", 0, "number of event loops (0: one per core)")
	grace := fs.Duration("grace", 5*time.Second, "how long shutdown waits for open connections")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, *listen, *loops, *grace, stdout, ready)
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
