//go:build linux

package fsx

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// eofSink is a sink that goes on writing after the peer's end of stream.
type eofSink struct {
	sink
	eofs int
}

func (s *eofSink) OnEOF(*eddy.Conn) { s.eofs++ }

// A peer that half-closes after its request still reads the answer: a
// Copy must not hide that its connection's handler is an EOFHandler,
// or the connection closes at the peer's end of stream and the copy is
// cut short with ErrClosed.
func TestCopyKeepsEOFHandler(t *testing.T) {
	leakcheck.Check(t)
	name := filepath.Join(t.TempDir(), "data")
	data := make([]byte, 4<<20)
	for i := range data {
		data[i] = byte(i ^ i>>9)
	}
	os.WriteFile(name, data, 0o644)
	sender, receiver := &eofSink{}, &sink{}
	var total int64
	var cerr error
	runLoop(t, func(l *eddy.Loop) {
		cs, cr := socketPair(t, l, sender, receiver)
		cr.PauseRead() // the copy waits on backpressure meanwhile
		get(t, Open(l, name), func(f *File, err error) {
			if err != nil {
				t.Fatal(err)
			}
			get(t, Copy(cs, f, CopyOptions{}), func(n int64, err error) {
				total, cerr = n, err
				if cs.Handler() != eddy.Handler(sender) {
					t.Error("handler not restored")
				}
				cs.Close()
				f.Close()
			})
			cr.CloseWrite() // the peer's request is over
			l.AfterFunc(20*time.Millisecond, cr.ResumeRead)
		})
	})
	if cerr != nil || total != int64(len(data)) {
		t.Fatalf("copy: %d bytes, %v", total, cerr)
	}
	if !bytes.Equal(receiver.got, data) {
		t.Fatalf("received %d of %d bytes", len(receiver.got), len(data))
	}
	if sender.eofs != 1 {
		t.Fatalf("OnEOF ran %d times", sender.eofs)
	}
}

// A Copy of a given Length from a file that ends before it (truncated
// meanwhile, say) fails, as io.CopyN does, rather than resolving as if
// the whole length had gone: a caller that announced the length (an
// HTTP Content-Length) must know that the peer got less.
func TestCopyShortFile(t *testing.T) {
	leakcheck.Check(t)
	name := filepath.Join(t.TempDir(), "data")
	os.WriteFile(name, bytes.Repeat([]byte("y"), 500), 0o644)
	var n1, n2 int64
	var err1, err2 error
	recv := &sink{}
	runLoop(t, func(l *eddy.Loop) {
		cs, cr := socketPair(t, l, &sink{}, recv)
		get(t, Open(l, name), func(f *File, err error) {
			if err != nil {
				t.Fatal(err)
			}
			get(t, Copy(cs, f, CopyOptions{Offset: 100, Length: 1000, ChunkSize: 128}), func(n int64, err error) {
				n1, err1 = n, err
				// To the end of the file, no length given: no error.
				get(t, Copy(cs, f, CopyOptions{Offset: 100, ChunkSize: 128}), func(n int64, err error) {
					n2, err2 = n, err
					f.Close()
					cs.Close()
					cr.Close()
				})
			})
		})
	})
	if !errors.Is(err1, io.ErrUnexpectedEOF) {
		t.Errorf("copy of 1000 bytes from 400: %d, %v; want io.ErrUnexpectedEOF", n1, err1)
	}
	if n2 != 400 || err2 != nil {
		t.Errorf("copy to the end: %d, %v", n2, err2)
	}
}
