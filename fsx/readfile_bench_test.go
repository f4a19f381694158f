package fsx

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/eddy-go/eddy"
)

// BenchmarkReadFile reads a small and a large file, one ReadFile at a
// time, on one loop.
func BenchmarkReadFile(b *testing.B) {
	for _, size := range []int{200, 1 << 20} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			name := filepath.Join(b.TempDir(), "f")
			if err := os.WriteFile(name, bytes.Repeat([]byte{'x'}, size), 0o644); err != nil {
				b.Fatal(err)
			}
			l, err := eddy.New()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(size))
			n := 0
			var step func()
			step = func() {
				ReadFile(l, name).OnSettle(func(d []byte, err error) {
					if err != nil || len(d) != size {
						b.Errorf("read %d bytes: %v", len(d), err)
						return
					}
					if n++; n < b.N {
						step()
					}
				})
			}
			b.ResetTimer()
			l.NextTick(step)
			if err := l.Run(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
