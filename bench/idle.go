package main

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/eddy-go/eddy/bench/internal/loadgen"
	"github.com/eddy-go/eddy/bench/internal/procfs"
	"github.com/eddy-go/eddy/bench/internal/servers"
)

// idleEchoSize is the size of the one message echoed on every idle
// connection before the second RSS sample.
const idleEchoSize = 64

// idleSources spreads idle connections over several loopback source
// addresses, so that ephemeral ports never run short.
var idleSources = []netip.Addr{
	netip.MustParseAddr("127.0.0.1"),
	netip.MustParseAddr("127.0.0.2"),
	netip.MustParseAddr("127.0.0.3"),
	netip.MustParseAddr("127.0.0.4"),
}

// idleSuite measures server RSS per connection with many idle
// connections, then again after one small echo on each.
func idleSuite(emit Emit) error {
	impls, err := implNames(servers.Names())
	if err != nil {
		return err
	}
	restore, err := pinLoad()
	if err != nil {
		return err
	}
	defer restore()
	var errs []error
	for _, n := range cfg.idleN {
		scenario := fmt.Sprintf("%dconns", n)
		idle := map[string][]float64{}
		echoed := map[string][]float64{}
		for run := 1; run <= cfg.runs; run++ {
			for _, impl := range impls {
				a, b, err := idleRun(impl, n)
				if err != nil {
					progress("idle %s %s run %d/%d: %v", scenario, impl, run, cfg.runs, err)
					errs = append(errs, fmt.Errorf("%s %s: %w", impl, scenario, err))
					continue
				}
				progress("idle %s %s run %d/%d: %.3f KB/conn idle, %.3f KB/conn after echo", scenario, impl, run, cfg.runs, a, b)
				idle[impl] = append(idle[impl], a)
				echoed[impl] = append(echoed[impl], b)
			}
		}
		for _, impl := range impls {
			emitRuns(emit, impl, scenario, "rss_idle", "KB/conn", idle[impl])
			emitRuns(emit, impl, scenario, "rss_after_echo", "KB/conn", echoed[impl])
		}
	}
	return errors.Join(errs...)
}

// idleRun opens n connections to a fresh server and returns its RSS
// growth per connection, in KiB, once idle and once after one echo each.
// Every sample is taken after the same settle time for every
// implementation; nothing asks the server to collect garbage.
func idleRun(impl string, n int) (idleKB, echoKB float64, err error) {
	srv, err := startServer(impl)
	if err != nil {
		return 0, 0, err
	}
	defer srv.stop()
	time.Sleep(cfg.settle)
	rss0, err := srv.rss()
	if err != nil {
		return 0, 0, err
	}
	fds0, err := procfsCount(srv)
	if err != nil {
		return 0, 0, err
	}
	cl, err := loadgen.Dial(srv.addr, n, loadgen.DialOptions{Sources: idleSources, Timeout: time.Minute})
	if err != nil {
		return 0, 0, err
	}
	defer cl.Close()
	if err := srv.waitFDs(fds0+n, time.Minute); err != nil {
		return 0, 0, err
	}
	time.Sleep(cfg.settle)
	rss1, err := srv.rss()
	if err != nil {
		return 0, 0, err
	}
	if err := cl.EchoOnce(idleEchoSize, time.Minute); err != nil {
		return 0, 0, err
	}
	time.Sleep(cfg.settle)
	rss2, err := srv.rss()
	if err != nil {
		return 0, 0, err
	}
	if err := srv.alive(); err != nil {
		return 0, 0, err
	}
	perConn := func(rss int64) float64 { return math.Round(float64(rss-rss0)/1024/float64(n)*1e4) / 1e4 }
	return perConn(rss1), perConn(rss2), nil
}

// procfsCount returns how many file descriptors the server holds.
func procfsCount(srv *server) (int, error) { return procfs.CountFDs(srv.pid()) }
