// Package httpbench is the bench suite "http": wrk against eddy's
// HTTP/1.1 server and its peers, each in a child process pinned to one
// CPU with GOMAXPROCS=1, wrk on another CPU. It reports requests per
// second and the server's CPU time per request (from /proc/PID/stat),
// the median of interleaved runs.
//
// The child is this same binary, re-executed with the environment
// variable ChildEnv set to "impl addr": the package's init function sees
// it, serves, and never returns, so the suite needs no subcommand in the
// bench main package. Serve is exported too, for a main package that
// prefers a subcommand.
package httpbench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/bench/internal/procfs"
	"github.com/eddy-go/eddy/httpserver"
)

// ChildEnv, when set to "impl addr", makes a process importing this
// package serve impl on addr instead of running its main function.
const ChildEnv = "EDDY_HTTPBENCH_CHILD"

// DurationEnv overrides the length of each wrk run (default 5s).
const DurationEnv = "EDDY_HTTPBENCH_DURATION"

// Implementations measured.
var Impls = []string{"eddy", "nethttp"}

// Errors.
var (
	// ErrUnknownImpl is returned by Serve for an implementation it does
	// not have.
	ErrUnknownImpl = errors.New("httpbench: unknown implementation")
	// ErrNoWrk means wrk is not installed.
	ErrNoWrk = errors.New("httpbench: wrk not found (apt-get install wrk)")
)

func init() {
	v := os.Getenv(ChildEnv)
	if v == "" {
		return
	}
	impl, addr, _ := strings.Cut(v, " ")
	err := Serve(impl, addr, func() { fmt.Println("ready") })
	fmt.Fprintln(os.Stderr, "httpbench serve:", err)
	os.Exit(1)
}

var (
	hello     = []byte("Hello, World!")
	jsonValue = struct {
		Message string `json:"message"`
	}{"Hello, World!"}
)

// Serve runs impl's HTTP server on addr until the process ends, calling
// ready once it listens. Paths: /plaintext and /json, as in the
// TechEmpower tests.
func Serve(impl, addr string, ready func()) error {
	switch impl {
	case "eddy":
		g, err := eddy.NewGroup(eddy.WithLoops(1))
		if err != nil {
			return err
		}
		srv := &httpserver.Server{Handler: httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
			switch r.Path {
			case "/json":
				b, _ := json.Marshal(jsonValue)
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Server", "eddy")
				w.Write(b)
			default:
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("Server", "eddy")
				w.Write(hello)
			}
		})}
		if _, err := srv.Serve(g, "tcp", addr); err != nil {
			return err
		}
		ready()
		return g.Run()
	case "nethttp":
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		ready()
		mux := http.NewServeMux()
		mux.HandleFunc("/plaintext", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Server", "nethttp")
			w.Write(hello)
		})
		mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
			b, _ := json.Marshal(jsonValue)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Server", "nethttp")
			w.Write(b)
		})
		return http.Serve(ln, mux)
	}
	return fmt.Errorf("%w: %q", ErrUnknownImpl, impl)
}

// scenario is one wrk workload.
type scenario struct {
	name     string
	path     string
	conns    int
	pipeline int
}

var scenarios = []scenario{
	{"plaintext-50c", "/plaintext", 50, 1},
	{"plaintext-500c", "/plaintext", 500, 1},
	{"plaintext-pipeline16-50c", "/plaintext", 50, 16},
	{"json-50c", "/json", 50, 1},
}

// Run runs the suite, reporting each figure (the median of 3 runs, the
// implementations interleaved) through emit.
func Run(emit func(impl, scenario, metric string, value float64, unit string)) error {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return ErrNoWrk
	}
	dur := 5 * time.Second
	if v := os.Getenv(DurationEnv); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			dur = d
		}
	}
	dir, err := os.MkdirTemp("", "httpbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	script := dir + "/pipeline.lua"
	if err := os.WriteFile(script, []byte(pipelineLua), 0o644); err != nil {
		return err
	}
	var errs []error
	for _, sc := range scenarios {
		rate := map[string][]float64{}
		cpu := map[string][]float64{}
		for run := 0; run < 3; run++ {
			for _, impl := range Impls {
				r, c, err := measure(wrk, script, impl, sc, dur)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s %s: %w", impl, sc.name, err))
					continue
				}
				fmt.Fprintf(os.Stderr, "http %s %s run %d: %.0f req/s, %.2f µs/req server CPU\n", sc.name, impl, run+1, r, c)
				rate[impl] = append(rate[impl], r)
				cpu[impl] = append(cpu[impl], c)
			}
		}
		for _, impl := range Impls {
			if len(rate[impl]) > 0 {
				emit(impl, sc.name, "throughput", median(rate[impl]), "req/s")
				emit(impl, sc.name, "server_cpu", median(cpu[impl]), "µs/req")
			}
		}
	}
	return errors.Join(errs...)
}

const pipelineLua = `
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil)
  end
  req = table.concat(r)
end
request = function()
  return req
end
`

// measure runs wrk once against a fresh server and returns requests per
// second and server CPU µs per request.
func measure(wrk, script, impl string, sc scenario, dur time.Duration) (float64, float64, error) {
	addr, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	self, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	cmd := pinned(1, self)
	cmd.Env = append(os.Environ(), ChildEnv+"="+impl+" "+addr, "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		return 0, 0, fmt.Errorf("server not ready: %q %v", line, err)
	}
	go io.Copy(io.Discard, out)
	pid := cmd.Process.Pid
	url := "http://" + addr + sc.path
	// Warm up briefly so that the measured window sees a steady state.
	exec.Command(wrk, "-t1", "-c", strconv.Itoa(sc.conns), "-d1s", url).Run()
	cpu0, err := procfs.ReadCPUTime(pid)
	if err != nil {
		return 0, 0, err
	}
	args := []string{"-t1", "-c", strconv.Itoa(sc.conns), "-d", dur.String(), url}
	if sc.pipeline > 1 {
		args = append(args, "-s", script, "--", strconv.Itoa(sc.pipeline))
	}
	ctx, cancel := context.WithTimeout(context.Background(), dur+30*time.Second)
	defer cancel()
	wcmd := pinnedCtx(ctx, 0, wrk, args...)
	res, err := wcmd.CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("wrk: %v: %s", err, res)
	}
	cpu1, err := procfs.ReadCPUTime(pid)
	if err != nil {
		return 0, 0, err
	}
	reqs, rps, err := parseWrk(string(res))
	if err != nil {
		return 0, 0, err
	}
	return rps, float64((cpu1 - cpu0).Microseconds()) / float64(reqs), nil
}

var (
	reTotal = regexp.MustCompile(`(\d+) requests in`)
	reRate  = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reErrs  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// parseWrk reads the request count and rate from wrk's output.
func parseWrk(s string) (int64, float64, error) {
	m1, m2 := reTotal.FindStringSubmatch(s), reRate.FindStringSubmatch(s)
	if m1 == nil || m2 == nil {
		return 0, 0, fmt.Errorf("httpbench: cannot read wrk output: %q", s)
	}
	if m := reErrs.FindStringSubmatch(s); m != nil {
		return 0, 0, fmt.Errorf("httpbench: %s error responses", m[1])
	}
	n, _ := strconv.ParseInt(m1[1], 10, 64)
	r, _ := strconv.ParseFloat(m2[1], 64)
	if n == 0 {
		return 0, 0, errors.New("httpbench: no requests completed")
	}
	return n, r, nil
}

// pinned returns a command for name bound to cpu with taskset, when
// installed and the CPU exists.
func pinned(cpu int, name string, args ...string) *exec.Cmd {
	return pinnedCtx(context.Background(), cpu, name, args...)
}

func pinnedCtx(ctx context.Context, cpu int, name string, args ...string) *exec.Cmd {
	if ts, err := exec.LookPath("taskset"); err == nil {
		return exec.CommandContext(ctx, ts, append([]string{"-c", strconv.Itoa(cpu), name}, args...)...)
	}
	return exec.CommandContext(ctx, name, args...)
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
