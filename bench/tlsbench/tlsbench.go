// Package tlsbench is the "tls" benchmark suite: TLS on an eddy loop
// (package tlsx) against crypto/tls over net.Conn with a goroutine per
// connection, served in this process, driven by the same crypto/tls client.
//
// Scenarios:
//
//   - handshake: full TLS 1.3 handshakes (ECDSA P-256 certificate, no
//     resumption) per second, from 8 client goroutines that each connect,
//     handshake, exchange one byte and close, for a fixed window.
//   - echo: throughput of one connection echoing 48 MiB in 64 KiB writes,
//     in MB/s of payload each way.
//
// Implementations:
//
//   - eddy-tlsx: one eddy loop, tlsx.Listen, an echo handler with
//     backpressure.
//   - std-tls: tls.Listen, a goroutine per connection copying its input to
//     its output.
//
// The handshake window lasts windowLen and the echo moves a fixed amount,
// so the suite runs in a few seconds. Both
// servers share the machine with the client, as in the other suites' local
// runs; the figures compare the two servers, not absolute capacity.
package tlsbench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/tlsx"
)

const (
	windowLen       = 1500 * time.Millisecond
	handshakeConns  = 8
	echoChunk       = 64 << 10
	echoTotal       = 48 << 20
	ioTimeout       = 10 * time.Second
	implEddy        = "eddy-tlsx"
	implStd         = "std-tls"
	scenarioHS      = "handshake"
	scenarioEcho    = "echo-64KiB"
	metricHandshake = "handshakes"
	metricEcho      = "throughput"
)

// Run runs the suite and reports each figure through emit.
func Run(emit func(impl, scenario, metric string, value float64, unit string)) error {
	srvCfg, cliCfg, err := configs()
	if err != nil {
		return err
	}
	var errs []error
	for _, impl := range []string{implEddy, implStd} {
		addr, stop, err := serve(impl, srvCfg)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", impl, err))
			continue
		}
		rate, err := handshakes(addr, cliCfg)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", impl, scenarioHS, err))
		} else {
			emit(impl, scenarioHS, metricHandshake, rate, "handshakes/s")
		}
		mbps, err := echoThroughput(addr, cliCfg)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", impl, scenarioEcho, err))
		} else {
			emit(impl, scenarioEcho, metricEcho, mbps, "MB/s")
		}
		if err := stop(); err != nil {
			errs = append(errs, fmt.Errorf("%s: stop: %w", impl, err))
		}
	}
	return errors.Join(errs...)
}

// configs makes a self-signed certificate and the two configs.
func configs() (srv, cli *tls.Config, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tlsbench"},
		DNSNames:              []string{"tlsbench.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	srv = &tls.Config{
		Certificates:           []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		SessionTicketsDisabled: true,
	}
	cli = &tls.Config{RootCAs: pool, ServerName: "tlsbench.test"}
	return srv, cli, nil
}

// serve starts impl's echo server and returns its address and a function
// that stops it.
func serve(impl string, cfg *tls.Config) (string, func() error, error) {
	switch impl {
	case implEddy:
		return serveEddy(cfg)
	case implStd:
		return serveStd(cfg)
	}
	return "", nil, fmt.Errorf("unknown implementation %q", impl)
}

func serveEddy(cfg *tls.Config) (string, func() error, error) {
	l, err := eddy.New()
	if err != nil {
		return "", nil, err
	}
	type result struct {
		addr string
		err  error
	}
	ready := make(chan result, 1)
	ran := make(chan error, 1)
	var ln *eddy.Listener
	l.NextTick(func() {
		var err error
		ln, err = tlsx.Listen(l, "tcp", "127.0.0.1:0", cfg, echoHandler{})
		if err != nil {
			ready <- result{err: err}
			return
		}
		ready <- result{addr: ln.Addr().String()}
	})
	l.Ref() // until stop
	go func() { ran <- l.Run() }()
	r := <-ready
	stop := func() error {
		l.Post(func() {
			if ln != nil {
				ln.Close()
			}
			l.Unref()
		})
		select {
		case err := <-ran:
			return err
		case <-time.After(ioTimeout):
			l.Stop()
			<-ran
			return errors.New("loop did not end")
		}
	}
	if r.err != nil {
		stop()
		return "", nil, r.err
	}
	return r.addr, stop, nil
}

// echoHandler writes back what it reads; when the write queue is full it
// keeps the bytes and stops reading until the queue drains.
type echoHandler struct{ eddy.BaseHandler }

func (echoHandler) OnData(c *eddy.Conn, d []byte) int {
	if err := c.Write(d); errors.Is(err, eddy.ErrQueueFull) {
		c.PauseRead()
		return 0
	}
	return len(d)
}

func (echoHandler) OnDrain(c *eddy.Conn) { c.ResumeRead() }

func serveStd(cfg *tls.Config) (string, func() error, error) {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		return "", nil, err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				io.Copy(c, c)
				c.Close()
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
			}()
		}
	}()
	stop := func() error {
		err := ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
		return err
	}
	return ln.Addr().String(), stop, nil
}

// handshakes measures full handshakes per second against addr.
func handshakes(addr string, cfg *tls.Config) (float64, error) {
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	deadline := time.Now().Add(windowLen)
	var wg sync.WaitGroup
	for i := 0; i < handshakeConns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			one := []byte{1}
			for time.Now().Before(deadline) {
				if err := handshakeOnce(addr, cfg, one); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		}()
	}
	start := time.Now()
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(done.Load()) / elapsed.Seconds(), nil
}

func handshakeOnce(addr string, cfg *tls.Config, one []byte) error {
	raw, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(ioTimeout))
	c := tls.Client(raw, cfg)
	if _, err := c.Write(one); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, one); err != nil {
		return err
	}
	return c.Close()
}

// echoThroughput measures one connection echoing echoTotal bytes written
// in echoChunk writes, in MB/s of payload each way.
func echoThroughput(addr string, cfg *tls.Config) (float64, error) {
	raw, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	c := tls.Client(raw, cfg)
	c.SetDeadline(time.Now().Add(ioTimeout))
	if err := c.Handshake(); err != nil {
		return 0, err
	}
	chunk := make([]byte, echoChunk)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	werr := make(chan error, 1)
	start := time.Now()
	go func() {
		for sent := 0; sent < echoTotal; sent += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				werr <- err
				return
			}
		}
		werr <- nil
	}()
	if _, err := io.CopyN(io.Discard, c, echoTotal); err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	if err := <-werr; err != nil {
		return 0, err
	}
	c.Close()
	return float64(echoTotal) / 1e6 / elapsed.Seconds(), nil
}
