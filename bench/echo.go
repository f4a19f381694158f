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
				m, err := echoRun(impl, depth)
				if err != nil {
					progress("echo %s %s run %d/%d: %v", scenario, impl, run, cfg.runs, err)
					errs = append(errs, fmt.Errorf("%s %s: %w", impl, scenario, err))
					continue
				}
				progress("echo %s %s run %d/%d: %.0f msg/s, %.3f µs/msg server CPU, %.3f µs/msg client CPU",
					scenario, impl, run, cfg.runs, m.rate, m.server, m.client)
				rate[impl] = append(rate[impl], m.rate)
				cpu[impl] = append(cpu[impl], m.server)
				client[impl] = append(client[impl], m.client)
			}
		}
		for _, impl := range impls {
			emitRuns(emit, impl, scenario, "throughput", "msg/s", rate[impl])
			emitRuns(emit, impl, scenario, "server_cpu", "µs/msg", cpu[impl])
			emitRuns(emit, impl, scenario, "client_cpu", "µs/msg", client[impl])
		}
	}
	return errors.Join(errs...)
}

// echoFigures is what one echo run measured.
type echoFigures struct {
	rate   float64 // messages per second
	server float64 // server CPU µs per message
	client float64 // load generator (this process) CPU µs per message
}

// echoRun runs one timed echo window against a fresh server.
func echoRun(impl string, depth int) (echoFigures, error) {
	srv, err := startServer(impl)
	if err != nil {
		return echoFigures{}, err
	}
	defer srv.stop()
	fds0, err := procfsCount(srv)
	if err != nil {
		return echoFigures{}, err
	}
	cl, err := loadgen.Dial(srv.addr, echoConns, loadgen.DialOptions{})
	if err != nil {
		return echoFigures{}, err
	}
	defer cl.Close()
	if err := srv.waitFDs(fds0+echoConns, 10*time.Second); err != nil {
		return echoFigures{}, err
	}

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self := os.Getpid()
	var srv0, cli0 time.Duration
	var err0, err1 error
	res, err := cl.Echo(loadgen.EchoConfig{
		Size:     echoSize,
		Depth:    depth,
		Duration: cfg.duration,
		OnStart: func() {
			srv0, err0 = srv.cpu()
			cli0, err1 = procfs.ReadCPUTime(self)
		},
	})
	srv1, err2 := srv.cpu()
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
		server: perMsg(srv1 - srv0),
		client: perMsg(cli1 - cli0),
	}, nil
}
