// Package httpclientbench is the "httpclient" benchmark suite: eddy's
// HTTP client against net/http's and github.com/valyala/fasthttp's, all
// fetching a small static file from a local nginx that the suite starts
// itself (one process, one worker, pinned to CPU 1 with taskset when it
// can), over keep-alive connections on loopback.
//
// Scenarios: get-cN, N = 1, 64 and 1024 requests in flight, each a fixed
// number of GETs timed from first to last, after a warm-up that opens the
// connections. The client runs in this process, pinned to CPU 0 with
// GOMAXPROCS=1 while the suite runs. Each figure is the median of three
// rounds, the implementations interleaved within a round, with the minimum
// and maximum as metric_min and metric_max:
//
//   - "throughput" (req/s);
//   - "client_cpu" (this process's user and system CPU time per request,
//     µs/req, from getrusage).
//
// Implementations:
//
//   - eddy-futures: on one loop, N chains of Client.Send futures, each
//     starting its next request when one completes;
//   - eddy-do: N goroutines calling the blocking Client.Do facade;
//   - net/http: N goroutines sharing one http.Client;
//   - fasthttp: N goroutines sharing one fasthttp.Client.
//
// Every client keeps up to 2048 idle connections per host, so that no
// request pays for a new connection after the warm-up. Set
// EDDY_HTTPCLIENTBENCH_SHORT=1 for a quick run (a tenth of the requests,
// one round), and EDDY_HTTPCLIENTBENCH_CPUPROFILE=DIR to write a CPU
// profile of each timed window into DIR.
package httpclientbench
