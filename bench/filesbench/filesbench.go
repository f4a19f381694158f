// Package filesbench is the "files" benchmark suite: reading a 1 GiB file
// in 64 KiB chunks through an event loop (package fsx, each read in the
// loop's worker pool) against os.File.Read in a goroutine, with the
// lateness of a 1 ms repeating timer on a loop measured meanwhile.
package filesbench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/fsx"
)

const (
	fileSize  = 1 << 30
	chunkSize = 64 << 10
	scenario  = "read-1GiB-64KiB"
	// budget bounds each read pass; a pass that takes longer stops early
	// and reports the rate of what it read.
	budget = 60 * time.Second
)

// Run writes a 1 GiB file of real (not sparse) data in a temporary
// directory, reads it with each implementation, reports MB/s and the
// loop's timer lateness (max and p99, in microseconds), and removes the
// file.
func Run(emit func(impl, scenario, metric string, value float64, unit string)) error {
	dir, err := os.MkdirTemp("", "eddy-filesbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "data")
	if err := writeData(name); err != nil {
		return err
	}
	// A first pass warms the page cache, so both read from memory.
	if _, err := readGoroutine(name); err != nil {
		return err
	}
	for _, impl := range []string{"os-goroutine", "fsx-loop"} {
		l, err := eddy.New()
		if err != nil {
			return err
		}
		var late []time.Duration
		last := time.Now()
		var n int64
		var rerr error
		var elapsed time.Duration
		l.NextTick(func() {
			last = time.Now()
			tick := l.Every(time.Millisecond, func() {
				now := time.Now()
				late = append(late, max(0, now.Sub(last)-time.Millisecond))
				last = now
			})
			tick.Unref()
			start := time.Now()
			l.Ref() // until the read is done
			done := func(k int64, err error) {
				n, rerr, elapsed = k, err, time.Since(start)
				tick.Stop()
				l.Unref()
			}
			if impl == "fsx-loop" {
				readLoopAsync(l, name, done)
			} else {
				go func() {
					k, err := readGoroutine(name)
					l.Post(func() { done(k, err) })
				}()
			}
		})
		if err := l.Run(); err != nil {
			return err
		}
		if rerr != nil {
			return fmt.Errorf("%s: %w", impl, rerr)
		}
		emit(impl, scenario, "throughput", float64(n)/elapsed.Seconds()/1e6, "MB/s")
		if len(late) > 0 {
			slices.Sort(late)
			p99 := late[min(len(late)-1, len(late)*99/100)]
			emit(impl, scenario, "timer_lateness_max", float64(late[len(late)-1].Microseconds()), "us")
			emit(impl, scenario, "timer_lateness_p99", float64(p99.Microseconds()), "us")
		}
	}
	return nil
}

// writeData writes fileSize bytes of a varying pattern.
func writeData(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	buf := make([]byte, 4<<20)
	var x uint64 = 0x9e3779b97f4a7c15
	for i := range buf {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		buf[i] = byte(x)
	}
	for off := 0; off < fileSize; off += len(buf) {
		buf[0], buf[1] = byte(off>>22), byte(off>>30) // no two blocks alike
		if _, err := f.Write(buf); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// readGoroutine reads the file with os.File.Read, 64 KiB at a time.
func readGoroutine(name string) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, chunkSize)
	var n int64
	start := time.Now()
	for time.Since(start) < budget {
		k, err := f.Read(buf)
		n += int64(k)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// readLoopAsync reads the file through fsx on l, one 64 KiB read in
// flight at a time, and calls done on the loop.
func readLoopAsync(l *eddy.Loop, name string, done func(int64, error)) {
	start := time.Now()
	fsx.Open(l, name).OnSettle(func(f *fsx.File, err error) {
		if err != nil {
			done(0, err)
			return
		}
		buf := make([]byte, chunkSize)
		var n int64
		var next func()
		finish := func(err error) { f.Close().OnSettle(func(struct{}, error) { done(n, err) }) }
		next = func() {
			if time.Since(start) > budget {
				finish(nil)
				return
			}
			f.ReadAt(buf, n).OnSettle(func(k int, err error) {
				if errors.Is(err, io.EOF) {
					finish(nil)
					return
				}
				if err != nil {
					finish(err)
					return
				}
				n += int64(k)
				next()
			})
		}
		next()
	})
}
