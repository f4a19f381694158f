// Command eddy runs eddy's main job.
//
//	eddy serve [--listen 127.0.0.1:8080] [--loops N] [--root DIR]
//	           [--access-log[=DEST]] [--grace 5s] [--tls-cert FILE --tls-key FILE]
//
// serve runs eddy's HTTP/1.1 server (package httpserver) on a group of
// event loops, one per core by default. With --root it serves the files
// of a directory; without it, a demo page showing the live statistics of
// the loops. It prints the URL it serves and shuts down gracefully on
// Ctrl-C or SIGTERM; a second one stops it at once. "eddy serve --help"
// describes the flags and the access log's format.
//
// Exit status: 0 after a graceful shutdown or --help, 2 for a mistake in
// the command line, 1 for anything else (a port in use, a missing --root,
// a bad certificate, a forced stop).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr, nil)
	if err == nil {
		return
	}
	// Errors from the eddy packages carry their own "eddy: " prefix.
	fmt.Fprintln(os.Stderr, "eddy:", strings.TrimPrefix(err.Error(), "eddy: "))
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(os.Stderr, "run 'eddy serve --help' for usage")
		os.Exit(2)
	}
	os.Exit(1)
}

// usageError is a mistake in the command line. main exits with status 2
// for it, as programs using package flag do.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return &usageError{fmt.Errorf(format, a...)} }

// errForced is serve's result when a second signal cut the graceful
// shutdown short.
var errForced = errors.New("stop forced by a second signal: open connections were cut")

// options are the serve command's flags.
type options struct {
	listen    string
	loops     int
	grace     time.Duration
	root      string
	accessLog string // "": off; logStderr; "-": stdout; else a file
	tlsCert   string
	tlsKey    string
}

// logStderr is the --access-log destination given by the bare flag.
const logStderr = "stderr"

// accessLogFlag is --access-log: a bare flag means stderr, and a value
// names another destination ("-" for stdout, or a file).
type accessLogFlag struct{ dest *string }

func (f accessLogFlag) String() string {
	if f.dest == nil {
		return ""
	}
	return *f.dest
}

// IsBoolFlag lets the flag go without a value.
func (f accessLogFlag) IsBoolFlag() bool { return true }

func (f accessLogFlag) Set(s string) error {
	switch s {
	case "true", "":
		s = logStderr
	case "false":
		s = ""
	}
	*f.dest = s
	return nil
}

// newFlagSet defines serve's flags, filling o with their defaults. It
// prints nothing itself: run reports errors and help.
func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "`address` to listen on, host:port (port 0: any free port; the URL printed has the real one)")
	fs.IntVar(&o.loops, "loops", 0, "number of event loops (0: one per core)")
	fs.DurationVar(&o.grace, "grace", 5*time.Second, "how long a shutdown waits for open connections before cutting them")
	fs.StringVar(&o.root, "root", "", "`directory` to serve (default: a demo page of live loop statistics)")
	fs.Var(accessLogFlag{&o.accessLog}, "access-log", "log each response to stderr, or to `DEST`: \"-\" for stdout, else a file (appended)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate `file` (PEM, chain after the leaf); serves https")
	fs.StringVar(&o.tlsKey, "tls-key", "", "TLS private key `file` (PEM), with --tls-cert")
	return fs
}

const synopsis = "usage: eddy serve [--listen ADDR] [--loops N] [--root DIR] [--access-log[=DEST]] [--grace D] [--tls-cert FILE --tls-key FILE]"

// printHelp writes serve's full help.
func printHelp(w io.Writer) {
	fmt.Fprintf(w, `%s

Serves HTTP/1.1 on event loops until Ctrl-C or SIGTERM, then shuts down
gracefully: listeners close, responses in flight finish (for up to
--grace), then eddy exits. A second Ctrl-C stops it at once.

With --root, serves the files of DIR: GET and HEAD, ETag and conditional
requests, ranges, precompressed .br/.gz siblings, gzip on the fly and
index.html for directories. There is no directory listing, and names
starting with "." (.git, .env) are not served.

Flags:
`, synopsis)
	fs := newFlagSet(new(options))
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if name != "" {
			if f.Name == "access-log" {
				fmt.Fprintf(w, "[=%s]", name)
			} else {
				fmt.Fprintf(w, " %s", name)
			}
		}
		fmt.Fprintf(w, "\n    \t%s", usage)
		if f.DefValue != "" && f.DefValue != "0" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	fmt.Fprint(w, `
Access log: one line per response, written once it has ended, in the
key=value form of log/slog's text handler (values with spaces quoted):

  time=2026-01-02T15:04:05.000Z level=INFO msg=request method=GET target=/a?b=c status=200 bytes=1234 remote=127.0.0.1:50312 duration=1.2ms

target is the request-target as received; bytes counts the body bytes
the handler gave (--root gives none for HEAD and 304); duration runs
from the handler's start to the response's end. Requests the server refuses before a handler sees them
(malformed, too large) are not logged.
`)
}

// run is main without the process: ready, when not nil, receives the
// bound address once the server listens. The first SIGINT or SIGTERM
// starts a graceful shutdown; a second one forces it.
func run(args []string, stdout, stderr io.Writer, ready chan<- string) error {
	switch firstOr(args, "") {
	case "serve":
	case "help", "-h", "-help", "--help":
		printHelp(stdout)
		return nil
	case "":
		fmt.Fprintln(stderr, synopsis)
		return usagef("no command given")
	default:
		fmt.Fprintln(stderr, synopsis)
		return usagef("unknown command %q (the only one is serve)", args[0])
	}
	var o options
	fs := newFlagSet(&o)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout)
			return nil
		}
		return &usageError{err}
	}
	switch {
	case fs.NArg() > 0:
		return usagef("unexpected argument %q (flags take the form --name value)", fs.Arg(0))
	case o.loops < 0:
		return usagef("--loops must be 0 (one per core) or more, not %d", o.loops)
	case o.grace < 0:
		return usagef("--grace must not be negative")
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return usagef("--tls-cert and --tls-key go together")
	}

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	forced := make(chan struct{})
	end := make(chan struct{})
	defer close(end)
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-end:
			return
		}
		select {
		case <-sigs:
			// A third signal gets the default action, which kills
			// the process even if a loop is stuck.
			signal.Stop(sigs)
			close(forced)
		case <-end:
		}
	}()
	return serve(ctx, o, stdout, stderr, ready, forced)
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
