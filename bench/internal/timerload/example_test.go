package timerload_test

import (
	"fmt"
	"time"

	"github.com/eddy-go/eddy/bench/internal/timerload"
)

func ExampleRunStd() {
	res, err := timerload.RunStd(timerload.Config{N: 1000, MaxDelay: 10 * time.Millisecond, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.N, "timers fired")
	// Output: 1000 timers fired
}
