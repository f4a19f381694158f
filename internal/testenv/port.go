package testenv

import (
	"fmt"
	"net"
	"strconv"
)

// FreePort returns a TCP port of 127.0.0.1 that was free a moment ago: the
// kernel picks it for a listener that is closed at once. Another process
// may take it before the caller binds it, so callers retry; it also serves
// tests that need an address where nothing listens.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testenv: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// portFree reports whether port can be bound now on 127.0.0.1 with the
// given network ("tcp" or "udp").
func portFree(network string, port int) bool {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if network == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// pickPort returns a free TCP port for which ok also holds (for example,
// that the UDP port or the port+10000 is free too).
func pickPort(ok func(port int) bool) (int, error) {
	var err error
	for range 50 {
		var p int
		p, err = FreePort()
		if err != nil {
			continue
		}
		if ok == nil || ok(p) {
			return p, nil
		}
	}
	if err == nil {
		err = fmt.Errorf("testenv: no suitable free port found")
	}
	return 0, err
}
