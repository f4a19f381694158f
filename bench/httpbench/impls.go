package httpbench

import (
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
)

// ChildEnv, when set to "impl addr root", makes a process importing this
// package serve impl on addr, with the static files under root, instead
// of running its main function.
const ChildEnv = "EDDY_HTTPBENCH_CHILD"

// ProfileEnv, set in a child's environment to a file name, makes the
// child write a CPU profile there, from start until SIGTERM.
const ProfileEnv = "EDDY_HTTPBENCH_CHILD_PROFILE"

// Impls lists the implementations, in the order the runs take turns.
var Impls = []string{"eddy", "eddy-uring", "eddy-web", "nethttp", "fasthttp", "gnet", "nbio", "nginx"}

// Paths served by every implementation, as in the TechEmpower tests, and
// the static file, served from root/static/1MiB.bin.
const (
	plaintextPath = "/plaintext"
	jsonPath      = "/json"
	staticPath    = "/static/" + staticName
	staticName    = "1MiB.bin"
	staticSize    = 1 << 20
)

var (
	hello     = []byte("Hello, World!")
	jsonValue = struct {
		Message string `json:"message"`
	}{"Hello, World!"}
)

// goServers maps an implementation run in a Go child to its server.
// Each listens on addr, calls ready once it accepts connections and
// serves until the process ends, returning only on error.
var goServers = map[string]func(addr, root string, ready func()) error{
	"eddy":       serveEddy,
	"eddy-uring": serveEddyUring,
	"eddy-web":   serveEddyWeb,
	"nethttp":    serveNetHTTP,
	"fasthttp":   serveFastHTTP,
	"gnet":       serveGnet,
	"nbio":       serveNbio,
}

// noStatic holds, for implementations that skip the file workload, why.
var noStatic = map[string]string{
	"gnet": "gnet has no HTTP layer or file server; its minimal parser answers a fixed response",
}

func init() {
	v := os.Getenv(ChildEnv)
	if v == "" {
		return
	}
	f := strings.SplitN(v, " ", 3)
	for len(f) < 3 {
		f = append(f, "")
	}
	if p := os.Getenv(ProfileEnv); p != "" {
		if err := startProfile(p); err != nil {
			fmt.Fprintln(os.Stderr, "httpbench serve: profile:", err)
			os.Exit(1)
		}
	}
	err := Serve(f[0], f[1], f[2], func() { fmt.Println("ready") })
	fmt.Fprintln(os.Stderr, "httpbench serve:", err)
	os.Exit(1)
}

// startProfile writes a CPU profile to name until SIGTERM or SIGINT,
// then exits.
func startProfile(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-ch
		pprof.StopCPUProfile()
		f.Close()
		os.Exit(0)
	}()
	return nil
}

// Serve runs impl's HTTP server on addr until the process ends, calling
// ready once it listens. It serves /plaintext, /json and, except where
// the implementation has no file server, the files under root at
// /static/. nginx is not a Go server: Serve returns an error wrapping
// ErrUnknownImpl for it, as for a name not in Impls.
func Serve(impl, addr, root string, ready func()) error {
	fn := goServers[impl]
	if fn == nil {
		return fmt.Errorf("%w: %q", ErrUnknownImpl, impl)
	}
	if ready == nil {
		ready = func() {}
	}
	return fn(addr, root, ready)
}
