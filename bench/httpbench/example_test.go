package httpbench_test

import (
	"errors"
	"fmt"

	"github.com/eddy-go/eddy/bench/httpbench"
)

func ExampleScenarios() {
	for _, sc := range httpbench.Scenarios {
		fmt.Println(sc.Name, sc.Path, sc.Conns, sc.Pipeline)
	}
	// Output:
	// plaintext-50c /plaintext 50 1
	// plaintext-500c /plaintext 500 1
	// plaintext-pipeline16-50c /plaintext 50 16
	// json-50c /json 50 1
	// static-1MiB-50c /static/1MiB.bin 50 1
}

func ExampleServe_unknown() {
	// nginx is not a Go server: the suite runs Debian's binary.
	err := httpbench.Serve("nginx", "127.0.0.1:0", "", nil)
	fmt.Println(errors.Is(err, httpbench.ErrUnknownImpl))
	// Output: true
}
