package servers

import "net"

// stdBufSize is the read buffer of each std connection goroutine. It is
// allocated when the connection is accepted; its pages become resident
// when the first bytes are read into it.
const stdBufSize = 8 << 10

// serveStd is the classic Go server: a goroutine per connection doing
// blocking reads and writes on the runtime's netpoller.
func serveStd(addr string, ready func()) error {
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		return err
	}
	ready()
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go stdEcho(c)
	}
}

func stdEcho(c net.Conn) {
	defer c.Close()
	buf := make([]byte, stdBufSize)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}
