package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The echo-wine suite: the echo suite with its servers built for Windows
// and run under Wine (eddy on its IOCP backend, std on Go's own IOCP
// netpoller), the load generator staying native. Wine's speed is not
// Windows': the figures compare the two servers under Wine, nothing more.

// wineImpls are the servers the echo-wine suite runs. gnet and nbio are
// left out: on Windows they fall back to package net (gnet's Windows
// engine is a goroutine-per-connection shim, nbio uses net.Conn), so they
// would measure std again.
var wineImpls = []string{"std", "eddy"}

// wineReadyTimeout bounds the start of a server under Wine and its first
// echo on every connection; Wine's start-up takes seconds.
const wineReadyTimeout = 60 * time.Second

// wineLabel names impl in the figures of the echo-wine suite.
func wineLabel(impl string) string {
	if impl == "eddy" {
		return "eddy-iocp-wine"
	}
	return impl + "-wine"
}

// echoWineSuite runs the echo scenarios against servers under Wine.
func echoWineSuite(emit Emit) error {
	impls, err := implNames(wineImpls)
	if err != nil {
		return err
	}
	w, err := setupWine()
	if err != nil {
		return err
	}
	defer w.close()
	return runEcho(emit, "echo-wine", impls, wineLabel, w.startServer)
}

// wine is what the servers under Wine share: the Windows build of this
// binary, the environment naming the prefix, and the wineserver.
type wine struct {
	wine   string   // path of the wine launcher
	dir    string   // temporary directory holding exe
	exe    string   // bench.exe
	env    []string // environment of every Wine process
	server *exec.Cmd
	pid    int // wineserver's process id
	// serverBin is the wineserver program, when this suite started it.
	serverBin string
	log       *os.File // stderr of the Wine processes
}

// wineEnv returns the environment for Wine processes, with the prefix
// prepared by scripts/wine.sh, and the prefix's path.
func wineEnv() ([]string, string, error) {
	prefix := os.Getenv("EDDY_WINEPREFIX")
	if prefix == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, "", err
		}
		prefix = filepath.Join(home, ".cache", "eddy-wine")
	}
	if _, err := os.Stat(filepath.Join(prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")); err != nil {
		return nil, "", fmt.Errorf("bench: Wine prefix %s not ready (make wine, or WINE_SETUP_ONLY=1 bash scripts/wine.sh, prepares it): %w", prefix, err)
	}
	return append(os.Environ(),
		"WINEPREFIX="+prefix,
		"WINEDEBUG=-all",
		"WINEARCH=win64",
		"WINEDLLOVERRIDES=bcryptprimitives=n,b;mscoree=;mshtml=",
	), prefix, nil
}

// setupWine builds bench.exe and starts (or finds) the prefix's
// wineserver.
func setupWine() (*wine, error) {
	launcher, err := exec.LookPath("wine")
	if err != nil {
		return nil, fmt.Errorf("bench: wine not installed (make wine installs it): %w", err)
	}
	env, prefix, err := wineEnv()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "eddy-bench-wine-")
	if err != nil {
		return nil, err
	}
	w := &wine{wine: launcher, dir: dir, exe: filepath.Join(dir, "bench.exe"), env: env}
	// Wine's helper processes (services.exe, explorer.exe, ...) inherit
	// the stderr of the server that starts them and outlive it, so the
	// servers get a file rather than this process's stderr.
	if w.log, err = os.Create(filepath.Join(dir, "stderr.log")); err != nil {
		w.close()
		return nil, err
	}
	if err := buildWindows(w.exe); err != nil {
		w.close()
		return nil, err
	}
	if err := w.startWineserver(prefix); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

// buildWindows builds the bench module's main package for windows/amd64
// into exe. It runs in the module's directory, found from the working
// directory (go run . and go test both run there).
func buildWindows(exe string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("bench: go not found to build bench.exe: %w", err)
	}
	out, err := exec.Command(goBin, "list", "-m", "-f", "{{.Path}} {{.Dir}}").Output()
	if err != nil {
		return fmt.Errorf("bench: locating the bench module: %w", err)
	}
	path, dir, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if path != "github.com/eddy-go/eddy/bench" {
		return fmt.Errorf("bench: run from the bench module (working directory is in %s)", path)
	}
	progress("echo-wine: building bench.exe (GOOS=windows)")
	cmd := exec.Command(goBin, "build", "-o", exe, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("bench: go build for windows: %w\n%s", err, out)
	}
	return nil
}

// startWineserver starts the prefix's wineserver in the foreground, so
// that its pid is known, pinned to the server CPU like the servers, and
// persisting between servers. If one already runs for the prefix (another
// Wine user), that one is used: its CPU time then includes theirs.
func (w *wine) startWineserver(prefix string) error {
	if pid, ok := findWineserver(prefix); ok {
		progress("echo-wine: wineserver %d already runs for %s: using it, unpinned; its CPU time may include others' work", pid, prefix)
		w.pid = pid
		return nil
	}
	args := []string{"-f", "-p10"}
	name, err := exec.LookPath("wineserver")
	if err != nil {
		return fmt.Errorf("bench: wineserver not installed (make wine installs it): %w", err)
	}
	w.serverBin = name
	args, name = pinnedArgs(name, args)
	cmd := exec.Command(name, args...)
	cmd.Env = w.env
	cmd.Stderr = w.log
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("bench: start wineserver: %w", err)
	}
	// Wait for its socket; a wineserver that loses the race for the
	// prefix's lock to another exits at once.
	for deadline := time.Now().Add(5 * time.Second); ; {
		if pid, ok := findWineserver(prefix); ok {
			if pid != cmd.Process.Pid {
				cmd.Wait()
				progress("echo-wine: another wineserver (%d) took the prefix: using it, unpinned", pid)
			} else {
				w.server = cmd
			}
			w.pid = pid
			return nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			return errors.New("bench: wineserver did not start within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pinnedArgs prefixes name and args with taskset bound to the server CPU,
// when pinning and taskset is installed.
func pinnedArgs(name string, args []string) ([]string, string) {
	if cfg.servCPU < 0 {
		return args, name
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return args, name
	}
	return append([]string{"-c", strconv.Itoa(cfg.servCPU), name}, args...), taskset
}

// startServer starts impl's echo server under Wine on a free loopback
// port. The wine launcher execs the Windows process, so the child's pid
// is the server's; wineserver's CPU time is counted as the server's too.
func (w *wine) startServer(impl string) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	args, name := pinnedArgs(w.wine, []string{w.exe, "serve", "-impl", impl, "-addr", addr.String()})
	cmd := exec.Command(name, args...)
	cmd.Env = append(w.env, "GOMAXPROCS=1")
	cmd.Stderr = w.log
	cmd.SysProcAttr = dieWithParent()
	s, err := runServer(impl, addr, cmd, wineReadyTimeout)
	if err != nil {
		return nil, fmt.Errorf("%w; Wine's stderr:\n%s", err, w.tail())
	}
	s.wine = true
	s.helpers = []int{w.pid}
	return s, nil
}

// tail returns the end of the Wine processes' stderr.
func (w *wine) tail() string {
	b, _ := os.ReadFile(w.log.Name())
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// close stops the wineserver this suite started, with its helper
// processes (wineserver -k, as scripts/wine.sh does), and removes
// bench.exe. A wineserver found running is left alone.
func (w *wine) close() {
	if w.server != nil {
		k := exec.Command(w.serverBin, "-k")
		k.Env = w.env
		k.Run()
		done := make(chan struct{})
		go func() { w.server.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			w.server.Process.Kill()
			<-done
		}
	}
	if w.log != nil {
		w.log.Close()
	}
	os.RemoveAll(w.dir)
}
