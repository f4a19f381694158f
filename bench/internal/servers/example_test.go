package servers_test

import (
	"errors"
	"fmt"

	"github.com/eddy-go/eddy/bench/internal/servers"
)

func ExampleNames() {
	fmt.Println(servers.Names())
	// Output: [std gnet nbio eddy eddy-uring]
}

func ExampleServe_unknown() {
	err := servers.Serve("apache", "127.0.0.1:0", nil)
	fmt.Println(errors.Is(err, servers.ErrUnknownImpl))
	// Output: true
}
