package fsx_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/fsx"
	"github.com/eddy-go/eddy/future"
)

func ExampleReadFile() {
	dir, _ := os.MkdirTemp("", "fsx")
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "hello.txt")

	l, _ := eddy.New()
	l.NextTick(func() {
		write := fsx.WriteFile(l, name, []byte("hello, loop\n"), 0o644)
		read := future.ThenFuture(write, func(struct{}) *future.Future[[]byte] {
			return fsx.ReadFile(l, name)
		})
		read.OnSettle(func(b []byte, err error) {
			fmt.Printf("%q %v\n", b, err)
			fsx.Stat(l, filepath.Join(dir, "missing")).OnSettle(func(_ fs.FileInfo, err error) {
				fmt.Println(errors.Is(err, fs.ErrNotExist))
			})
		})
	})
	l.Run()
	// Output:
	// "hello, loop\n" <nil>
	// true
}

func ExampleReadDir() {
	dir, _ := os.MkdirTemp("", "fsx")
	defer os.RemoveAll(dir)
	for _, n := range []string{"b", "a", "c"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	l, _ := eddy.New()
	l.NextTick(func() {
		fsx.ReadDir(l, dir).OnSettle(func(ents []fs.DirEntry, err error) {
			for _, e := range ents {
				fmt.Println(e.Name())
			}
		})
	})
	l.Run()
	// Output:
	// a
	// b
	// c
}
