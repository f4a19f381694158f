// Command eddy runs eddy's main job.
//
//	eddy serve [--listen 127.0.0.1:8080] [--loops N] [--root DIR]
//	           [--access-log] [--tls-cert FILE --tls-key FILE]
//
// serve runs eddy's HTTP/1.1 server (package httpserver) on a group of
// event loops, one per core by default. With --root it serves the files
// of a directory; without it, a demo page showing the live statistics of
// the loops. It prints the URL it serves and shuts down gracefully on
// Ctrl-C.
package main

import (
	"context"
	"errors"
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

// options are the serve command's flags.
type options struct {
	listen    string
	loops     int
	grace     time.Duration
	root      string
	accessLog bool
	tlsCert   string
	tlsKey    string
}

// run is main without the process: ready, when not nil, receives the
// bound address once the server listens, and the server stops when ctx
// (taken from the signals) ends.
func run(args []string, stdout, stderr io.Writer, ready chan<- string) error {
	if len(args) == 0 || args[0] != "serve" {
		fmt.Fprintln(stderr, "usage: eddy serve [--listen ADDR] [--loops N] [--root DIR] [--access-log] [--tls-cert FILE --tls-key FILE]")
		return fmt.Errorf("unknown command %q", firstOr(args, ""))
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on")
	fs.IntVar(&o.loops, "loops", 0, "number of event loops (0: one per core)")
	fs.DurationVar(&o.grace, "grace", 5*time.Second, "how long shutdown waits for open connections")
	fs.StringVar(&o.root, "root", "", "directory to serve (default: the demo page)")
	fs.BoolVar(&o.accessLog, "access-log", false, "log each request (log/slog, to stderr)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate file (PEM)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, o, stdout, stderr, ready)
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
