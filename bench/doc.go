// Command bench measures eddy against its peers (Go libraries, and nginx
// as a C reference) on this machine.
//
//	go run . -suite echo -json
//	go run . -suite all
//
// A suite is a function registered by name in [suites]; it reports each
// figure through an emit callback, and the runner prints the figures as a
// table or, with -json, as one JSON object per line with the keys suite,
// impl, scenario, metric, value and unit, plus min, max and runs where the
// value is the median of several runs.
//
// Servers under test run in a child process (for echo, the bench binary
// re-executed with the hidden "serve" subcommand; the other suites
// describe their own) under taskset on one CPU (Go servers with
// GOMAXPROCS=1), while the load runs pinned to another CPU: for echo, a
// small epoll client in this process that shares no code with any library
// under test; for http, wrk; for the client suites (redis, beanstalk,
// httpclient), the clients under test themselves. The server's CPU time
// per operation is read from /proc/PID/stat over the timed window only,
// and its memory from /proc/PID/status. Implementations are run in turn
// (A B C D A B C D ...) so that drift on a shared machine spreads over all
// of them. Traffic goes to 127.0.0.1 only, and each run is bounded in
// time.
//
// See README.md for the suites and the latest figures.
package main
