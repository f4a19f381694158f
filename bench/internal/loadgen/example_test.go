//go:build linux

package loadgen_test

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/eddy-go/eddy/bench/internal/loadgen"
)

func ExampleClient_EchoOnce() {
	// A one-connection echo server to talk to.
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(c, c)
			c.Close()
		}
	}()

	c, err := loadgen.Dial(netip.MustParseAddrPort(ln.Addr().String()), 1, loadgen.DialOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println(c.Len(), c.EchoOnce(64, 5*time.Second))
	// Output: 1 <nil>
}
