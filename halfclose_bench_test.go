package eddy

import "testing"

// BenchmarkEchoRoundTrip measures one small message written by a client
// connection, echoed by the server's handler and read back, all on one
// loop: the read (ReadDone, OnData) and write (Write) paths of both ends.
func BenchmarkEchoRoundTrip(b *testing.B) {
	l := newLoop(b)
	ln, err := l.Listen("tcp", "127.0.0.1:0", echo{})
	if err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 64)
	left := b.N
	got := 0
	b.ReportAllocs()
	_, err = l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) {
			b.ResetTimer()
			c.Write(msg)
		},
		data: func(c *Conn, d []byte) int {
			got += len(d)
			for got >= len(msg) {
				got -= len(msg)
				left--
				if left <= 0 {
					b.StopTimer()
					c.Close()
					ln.Close()
					return len(d)
				}
				c.Write(msg)
			}
			return len(d)
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := l.Run(); err != nil {
		b.Fatal(err)
	}
}
