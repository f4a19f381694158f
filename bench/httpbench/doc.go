// Package httpbench is the bench suite "http" of issue 6: wrk against
// eddy's HTTP/1.1 server and its peers, each server in its own process
// pinned to CPU 1 (one event loop, or GOMAXPROCS=1), wrk pinned to CPU 0.
// It reports requests per second and the server's CPU time per request,
// read from /proc/PID/stat over the timed window: wrk saturates its core
// before the fast servers do, so CPU per request is the figure that
// separates them.
//
// # Workloads
//
// [Scenarios] lists them: "Hello, World!" as text/plain at 50 and 500
// connections, the same pipelined 16 deep at 50 connections (a wrk Lua
// script sends 16 requests per write; wrk's latency figures are wrong
// when pipelining, so only throughput and CPU are reported), a JSON
// object encoded per request at 50 connections, and a 1 MiB file read
// from disk at 50 connections.
//
// # Implementations
//
// [Impls] lists them: "eddy" (httpserver on one loop, files through
// web.Static), "eddy-uring" (the same on the io_uring backend,
// EDDY_POLLER=uring), "eddy-web" (the same behind a web.Router), "nethttp"
// (net/http, GOMAXPROCS=1), "fasthttp", "gnet" (gnet v2 with a minimal
// pipelining parser, as in its TechEmpower entry: find the end of each
// head, answer a fixed response), "nbio" (nbhttp with one poller) and
// "nginx" (Debian's nginx, one process, sendfile on) as the C reference.
// gnet has no HTTP layer and so no file server: it skips the file
// workload, and says why on stderr.
//
// # Processes
//
// A Go server runs in a child: this same binary, re-executed with the
// environment variable ChildEnv set to "impl addr root". The package's
// init function sees it, serves, and never returns, so the suite needs no
// subcommand in the bench main package (Serve is exported for a main
// package that prefers one). nginx runs from a configuration written to
// a temporary directory, on an ephemeral port. A fresh server is started
// for every run, and the implementations take turns (A B C ... A B C ...)
// so that drift on a shared machine spreads over all of them; the median
// of the runs is reported, with the minimum and maximum as separate
// metrics ("throughput_min", "server_cpu_max", ...).
//
// # Short mode
//
// With Options.Short (EDDY_HTTPBENCH_SHORT=1) the suite skips wrk: one
// server per implementation answers every workload, each response is
// checked by a small Go client, which then loads the server for
// Options.Duration (100 ms by default). It takes a few seconds, and is
// what the bench module's tests run.
package httpbench
