//go:build windows

package eddy_test

import (
	"fmt"

	"github.com/eddy-go/eddy"
)

func ExampleLoop_Spawn() {
	l, _ := eddy.New()
	p, err := l.Spawn(eddy.ProcessOptions{
		Path: "cmd",
		Args: []string{"cmd", "/c", "exit 3"},
	})
	if err != nil {
		panic(err)
	}
	p.Wait().OnSettle(func(st eddy.ExitStatus, err error) { fmt.Println("exit code:", st.Code) })
	l.Run()
	// Output: exit code: 3
}
