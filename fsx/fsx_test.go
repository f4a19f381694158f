package fsx

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// runLoop runs fn on a fresh loop and waits for the loop to end.
func runLoop(t *testing.T, fn func(l *eddy.Loop), opts ...eddy.Option) {
	t.Helper()
	l, err := eddy.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	l.NextTick(func() { fn(l) })
	dog := time.AfterFunc(10*time.Second, func() { t.Error("watchdog"); l.Stop() })
	defer dog.Stop()
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
}

// wait awaits f on the loop by chaining; used as: get(f, func(v, err)).
func get[T any](t *testing.T, f *future.Future[T], fn func(T, error)) { f.OnSettle(fn) }

func TestFileOperations(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f")
	var log []string
	runLoop(t, func(l *eddy.Loop) {
		get(t, Create(l, name), func(f *File, err error) {
			if err != nil {
				t.Fatal(err)
			}
			get(t, f.Write([]byte("hello world")), func(n int, err error) {
				if n != 11 || err != nil {
					t.Errorf("write %d %v", n, err)
				}
				get(t, f.WriteAt([]byte("W"), 6), func(int, error) {
					buf := make([]byte, 64)
					get(t, f.ReadAt(buf, 0), func(n int, err error) {
						log = append(log, string(buf[:n]))
						get(t, f.ReadAt(buf, 100), func(n int, err error) {
							if n != 0 || err != io.EOF {
								t.Errorf("read past end: %d %v", n, err)
							}
							get(t, f.Stat(), func(fi fs.FileInfo, err error) {
								if fi.Size() != 11 || f.Name() != name || f.Loop() != l || f.OS() == nil {
									t.Errorf("stat %v %v", fi, err)
								}
								get(t, f.Sync(), func(_ struct{}, err error) {
									get(t, f.Close(), func(_ struct{}, err error) {
										if err != nil {
											t.Error(err)
										}
										get(t, f.Read(buf), func(_ int, err error) {
											if !errors.Is(err, fs.ErrClosed) {
												t.Errorf("read after close: %v", err)
											}
										})
									})
								})
							})
						})
					})
				})
			})
		})
	})
	if len(log) != 1 || log[0] != "hello World" {
		t.Fatalf("got %q", log)
	}
}

func TestSequentialRead(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	os.WriteFile(name, []byte("abcdef"), 0o644)
	var got []byte
	var last error
	runLoop(t, func(l *eddy.Loop) {
		get(t, Open(l, name), func(f *File, err error) {
			buf := make([]byte, 4)
			var next func()
			next = func() {
				get(t, f.Read(buf), func(n int, err error) {
					if err != nil {
						last = err
						f.Close()
						return
					}
					got = append(got, buf[:n]...)
					next()
				})
			}
			next()
		})
	})
	if string(got) != "abcdef" || last != io.EOF {
		t.Fatalf("got %q, %v", got, last)
	}
}

func TestPathOperations(t *testing.T) {
	dir := t.TempDir()
	runLoop(t, func(l *eddy.Loop) {
		sub := filepath.Join(dir, "a", "b")
		get(t, MkdirAll(l, sub, 0o755), func(_ struct{}, err error) {
			get(t, Mkdir(l, sub, 0o755), func(_ struct{}, err error) {
				if !errors.Is(err, fs.ErrExist) {
					t.Errorf("mkdir existing: %v", err)
				}
			})
			f1 := filepath.Join(sub, "one")
			get(t, WriteFile(l, f1, []byte("1"), 0o600), func(_ struct{}, err error) {
				if err != nil {
					t.Fatal(err)
				}
				f2 := filepath.Join(dir, "two")
				get(t, Rename(l, f1, f2), func(_ struct{}, err error) {
					get(t, ReadDir(l, dir), func(ents []fs.DirEntry, err error) {
						if len(ents) != 2 || ents[0].Name() != "a" || ents[1].Name() != "two" {
							t.Errorf("readdir %v %v", ents, err)
						}
						get(t, Lstat(l, f2), func(fi fs.FileInfo, err error) {
							if err != nil || fi.Mode().Perm() != 0o600 {
								t.Errorf("lstat %v %v", fi, err)
							}
							get(t, Remove(l, f2), func(_ struct{}, err error) {
								get(t, Stat(l, f2), func(_ fs.FileInfo, err error) {
									var pe *fs.PathError
									if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) {
										t.Errorf("stat removed: %v", err)
									}
									get(t, Remove(l, filepath.Join(dir, "a")), func(_ struct{}, err error) {
										if err == nil {
											t.Error("removed a non-empty directory")
										}
										get(t, RemoveAll(l, filepath.Join(dir, "a")), func(_ struct{}, err error) {
											if err != nil {
												t.Error(err)
											}
										})
									})
								})
							})
						})
					})
				})
			})
		})
	})
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("left %v", ents)
	}
}

func TestErrorsKeepFSIdentity(t *testing.T) {
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	os.WriteFile(ro, nil, 0o400)
	var errs []error
	runLoop(t, func(l *eddy.Loop) {
		get(t, Open(l, filepath.Join(dir, "missing")), func(_ *File, err error) { errs = append(errs, err) })
		get(t, ReadFile(l, filepath.Join(dir, "missing")), func(_ []byte, err error) { errs = append(errs, err) })
		get(t, Remove(l, filepath.Join(dir, "missing")), func(_ struct{}, err error) { errs = append(errs, err) })
	})
	for _, err := range errs {
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%v does not match fs.ErrNotExist", err)
		}
	}
	if len(errs) != 3 {
		t.Fatalf("%d errors", len(errs))
	}
}

func TestReadWriteFileLarge(t *testing.T) {
	name := filepath.Join(t.TempDir(), "big")
	data := bytes.Repeat([]byte("0123456789abcdef"), 40000) // 640 KB: several chunks
	var got []byte
	runLoop(t, func(l *eddy.Loop) {
		get(t, WriteFile(l, name, data, 0o644), func(_ struct{}, err error) {
			get(t, ReadFile(l, name), func(b []byte, err error) { got = b })
		})
	})
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes back", len(got))
	}
}

func TestInvalidArguments(t *testing.T) {
	var errs []error
	runLoop(t, func(l *eddy.Loop) {
		f := &File{loop: l}
		get(t, f.ReadAt(nil, -1), func(_ int, err error) { errs = append(errs, err) })
		get(t, f.WriteAt(nil, -1), func(_ int, err error) { errs = append(errs, err) })
		get(t, Copy(nil, f, CopyOptions{}), func(_ int64, err error) { errs = append(errs, err) })
		get(t, SendFile(nil, f, 0, 1), func(_ int64, err error) { errs = append(errs, err) })
	})
	for _, err := range errs {
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("got %v", err)
		}
	}
	if len(errs) != 4 {
		t.Fatalf("%d errors", len(errs))
	}
}

func TestOpenCancelledClosesFile(t *testing.T) {
	// An *os.File nobody closed is closed by its finalizer after a garbage
	// collection, which would hide the leak: no collection until the leak
	// check has run.
	gc := debug.SetGCPercent(-1)
	t.Cleanup(func() { debug.SetGCPercent(gc) })
	leakcheck.Check(t)
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var errs []error
	runLoop(t, func(l *eddy.Loop) {
		for i := 0; i < n; i++ {
			f := Open(l, name)
			f.Cancel(nil)
			get(t, f, func(_ *File, err error) { errs = append(errs, err) })
			r := ReadFile(l, name)
			r.Cancel(nil)
			get(t, r, func(_ []byte, err error) { errs = append(errs, err) })
		}
	})
	if len(errs) != 2*n {
		t.Fatalf("%d results, want %d", len(errs), 2*n)
	}
	for _, err := range errs {
		if !errors.Is(err, future.ErrCanceled) {
			t.Fatalf("got %v, want a cancellation", err)
		}
	}
}

// cancelOnRead is a backend that cancels a future once the first read
// has been asked for.
type cancelOnRead struct {
	backend
	read   *int64
	cancel func()
}

func (c cancelOnRead) readAt(l *eddy.Loop, f *os.File, p []byte, off int64) *future.Future[int] {
	if c.cancel != nil {
		c.cancel()
	}
	return future.Map(c.backend.readAt(l, f, p, off), func(n int) int { *c.read += int64(n); return n })
}

func (c cancelOnRead) readAtOwned(l *eddy.Loop, f *os.File, p []byte, off int64, release func(ioResult)) *future.Future[ioResult] {
	if c.cancel != nil {
		c.cancel()
	}
	return future.Map(c.backend.readAtOwned(l, f, p, off, release), func(r ioResult) ioResult { *c.read += int64(r.n); return r })
}

func TestReadFileCancelledStopsReading(t *testing.T) {
	gc := debug.SetGCPercent(-1) // see TestOpenCancelledClosesFile
	t.Cleanup(func() { debug.SetGCPercent(gc) })
	leakcheck.Check(t)
	name := filepath.Join(t.TempDir(), "big")
	const size = 16 << 20
	if err := os.WriteFile(name, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	var read int64
	var rf *future.Future[[]byte]
	var rerr error
	old := be
	be = cancelOnRead{backend: old, read: &read, cancel: func() { rf.Cancel(nil) }}
	defer func() { be = old }()
	runLoop(t, func(l *eddy.Loop) {
		rf = ReadFile(l, name)
		get(t, rf, func(_ []byte, err error) { rerr = err })
	})
	if !errors.Is(rerr, future.ErrCanceled) {
		t.Fatalf("ReadFile: %v, want a cancellation", rerr)
	}
	if read >= size {
		t.Fatalf("read all %d bytes of a cancelled ReadFile", read)
	}
}
