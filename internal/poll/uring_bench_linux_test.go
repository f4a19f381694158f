//go:build linux

package poll

import (
	"syscall"
	"testing"
)

// cpuTime returns the CPU time the process has used, in nanoseconds: on
// a loaded machine it varies less than the wall-clock time per op.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// reportCPU reports the CPU time per op since start.
func reportCPU(b *testing.B, start int64) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// countOwner counts the bytes it is given.
type countOwner struct {
	recorder
	n int
}

func (c *countOwner) ReadDone(p []byte, err error) { c.n += len(p) }

func benchURingPair(b *testing.B) (p *uring, a, s *FD, ra, rs *countOwner) {
	p, err := newURing()
	if err != nil {
		b.Skipf("io_uring unavailable: %v", err)
	}
	b.Cleanup(func() { p.Shutdown() })
	a, s, _, _ = pair(b, p)
	ra, rs = &countOwner{}, &countOwner{}
	a.owner, s.owner = ra, rs
	return p, a, s, ra, rs
}

// BenchmarkURingPingPong is a busy socket's hot path: a 64-byte
// message each way through multishot receives, per iteration.
func BenchmarkURingPingPong(b *testing.B) {
	p, a, s, ra, rs := benchURingPair(b)
	p.StartRead(a)
	p.StartRead(s)
	msg := [][]byte{make([]byte, 64)}
	start := cpuTime()
	for b.Loop() {
		want := ra.n + 64
		p.TryWrite(a, msg)
		for rs.n < want {
			p.Wait(-1)
		}
		p.TryWrite(s, msg)
		for ra.n < want {
			p.Wait(-1)
		}
	}
	reportCPU(b, start)
}

// BenchmarkURingPauseResume measures a pause and a resume of a socket
// being read, then a message through it.
func BenchmarkURingPauseResume(b *testing.B) {
	p, a, s, _, rs := benchURingPair(b)
	p.StartRead(s)
	msg := [][]byte{make([]byte, 64)}
	start := cpuTime()
	for b.Loop() {
		want := rs.n + 64
		p.StopRead(s)
		p.StartRead(s)
		p.TryWrite(a, msg)
		for rs.n < want {
			p.Wait(-1)
		}
	}
	reportCPU(b, start)
}
