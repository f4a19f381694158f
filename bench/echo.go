package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"time"

	"github.com/eddy-go/eddy/bench/internal/loadgen"
	"github.com/eddy-go/eddy/bench/internal/procfs"
	"github.com/eddy-go/eddy/bench/internal/servers"
)

// Echo suite parameters fixed by the brief.
const (
	echoConns = 100
	echoSize  = 512
)

// echoSuite measures messages per second and server CPU per message with
// 100 connections of 512-byte messages, one and sixteen in flight.
func echoSuite(emit Emit) error {
	impls, err := implNames(servers.Names())
	if err != nil {
		return err
	}
	return runEcho(emit, "echo", impls, func(impl string) string { return impl }, startServer)
}

// runEcho runs the echo scenarios against impls, each server started by
// start, and reports each under the name label(impl). Progress lines are
// prefixed with suite.
func runEcho(emit Emit, suite string, impls []string, label func(string) string, start func(string) (*server, error)) error {
	restore, err := pinLoad()
	if err != nil {
		return err
	}
	defer restore()
	var errs []error
	for _, depth := range []int{1, 16} {
		scenario := fmt.Sprintf("%dconns-%dB-depth%d", echoConns, echoSize, depth)
		rate := map[string][]float64{}
		cpu := map[string][]float64{}
		client := map[string][]float64{}
		for run := 1; run <= cfg.runs; run++ {
			for _, impl := range impls {
				name := label(impl)
				m, err := echoRunWith(start, impl, depth)
				if err != nil {
					progress("%s %s %s run %d/%d: %v", suite, scenario, name, run, cfg.runs, err)
					errs = append(errs, fmt.Errorf("%s %s: %w", name, scenario, err))
					continue
				}
				progress("%s %s %s run %d/%d: %.0f msg/s, %.3f µs/msg server CPU%s, %.3f µs/msg client CPU",
					suite, scenario, name, run, cfg.runs, m.rate, m.server, helperNote(m.helper), m.client)
				rate[name] = append(rate[name], m.rate)
				cpu[name] = append(cpu[name], m.server)
				client[name] = append(client[name], m.client)
			}
		}
		for _, impl := range impls {
			name := label(impl)
			emitRuns(emit, name, scenario, "throughput", "msg/s", rate[name])
			emitRuns(emit, name, scenario, "server_cpu", "µs/msg", cpu[name])
			emitRuns(emit, name, scenario, "client_cpu", "µs/msg", client[name])
		}
	}
	return errors.Join(errs...)
}

// helperNote describes the helpers' share of the server CPU, if any.
func helperNote(us float64) string {
	if us == 0 {
		return ""
	}
	return fmt.Sprintf(" (%.3f of it wineserver)", us)
}

// echoFigures is what one echo run measured.
type echoFigures struct {
	rate   float64 // messages per second
	server float64 // server CPU µs per message, helpers included
	helper float64 // of which helper processes (wineserver)
	client float64 // load generator (this process) CPU µs per message
}

// echoRun runs one timed echo window against a fresh server.
func echoRun(impl string, depth int) (echoFigures, error) {
	return echoRunWith(startServer, impl, depth)
}

// echoRunWith runs one timed echo window against a fresh server started
// by start.
func echoRunWith(start func(string) (*server, error), impl string, depth int) (echoFigures, error) {
	srv, err := start(impl)
	if err != nil {
		return echoFigures{}, err
	}
	defer srv.stop()
	var fds0 int
	if !srv.wine {
		if fds0, err = procfsCount(srv); err != nil {
			return echoFigures{}, err
		}
	}
	cl, err := loadgen.Dial(srv.addr, echoConns, loadgen.DialOptions{})
	if err != nil {
		return echoFigures{}, err
	}
	defer cl.Close()
	if srv.wine {
		// Under Wine the sockets live partly in wineserver, so the
		// child's fd table says nothing: one echo on every connection
		// shows that the server has accepted them all.
		err = cl.EchoOnce(echoSize, wineReadyTimeout)
	} else {
		err = srv.waitFDs(fds0+echoConns, 10*time.Second)
	}
	if err != nil {
		return echoFigures{}, err
	}

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self := os.Getpid()
	var srv0, help0, cli0 time.Duration
	var err0, err1 error
	res, err := cl.Echo(loadgen.EchoConfig{
		Size:     echoSize,
		Depth:    depth,
		Duration: cfg.duration,
		OnStart: func() {
			srv0, help0, err0 = srv.cpuSplit()
			cli0, err1 = procfs.ReadCPUTime(self)
		},
	})
	srv1, help1, err2 := srv.cpuSplit()
	cli1, err3 := procfs.ReadCPUTime(self)
	if err = errors.Join(err, err0, err1, err2, err3); err != nil {
		return echoFigures{}, err
	}
	if res.Messages == 0 {
		return echoFigures{}, errors.New("no message echoed")
	}
	perMsg := func(d time.Duration) float64 {
		return math.Round(float64(d.Nanoseconds())/1e3/float64(res.Messages)*1e4) / 1e4
	}
	return echoFigures{
		rate:   math.Round(res.PerSecond()),
		server: perMsg(srv1 - srv0 + help1 - help0),
		helper: perMsg(help1 - help0),
		client: perMsg(cli1 - cli0),
	}, nil
}
