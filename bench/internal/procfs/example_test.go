package procfs_test

import (
	"fmt"

	"github.com/eddy-go/eddy/bench/internal/procfs"
)

func ExampleParseStat() {
	st, err := procfs.ParseStat([]byte("7 (server) S 1 7 7 0 -1 0 0 0 0 0 150 50 0 0 20 0 1 0 0 0 0"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.UTime, st.STime, st.CPU())
	// Output: 150 50 2s
}

func ExampleParseStatus() {
	m, err := procfs.ParseStatus([]byte("Name:\tserver\nVmHWM:\t2048 kB\nVmRSS:\t1024 kB\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.RSS, m.HWM)
	// Output: 1048576 2097152
}
