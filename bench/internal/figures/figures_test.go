package figures_test

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/eddy-go/eddy/bench/internal/figures"
)

func TestSetMediansInOrder(t *testing.T) {
	var s figures.Set
	for _, v := range []float64{3, 1, 2} {
		s.Add("a", "x", "throughput", "ops/s", v)
		s.Add("b", "x", "throughput", "ops/s", v*10)
	}
	var got []string
	s.EmitMedians(func(impl, scenario, metric string, v float64, unit string) {
		got = append(got, fmt.Sprintf("%s %s %s %g %s", impl, scenario, metric, v, unit))
	})
	want := []string{"a x throughput 2 ops/s", "b x throughput 20 ops/s"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	got = nil
	s.EmitSpread(func(impl, scenario, metric string, v float64, unit string) {
		got = append(got, fmt.Sprintf("%s %s %g", impl, metric, v))
	})
	want = []string{"a throughput 2", "a throughput_min 1", "a throughput_max 3", "b throughput 20", "b throughput_min 10", "b throughput_max 30"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if v := s.Values("a", "x", "throughput", "ops/s"); len(v) != 3 || v[0] != 3 {
		t.Fatalf("Values = %v", v)
	}
}

func TestCPUMarks(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	c := figures.NewCPU(os.Getpid())
	x := 0
	for i := 0; i < 50_000_000; i++ {
		x += i
	}
	server, client, ok := c.Mark()
	if !ok {
		t.Fatal("no /proc CPU time")
	}
	if server < 0 || client < 0 || x == 0 {
		t.Fatalf("negative CPU time: %v %v", server, client)
	}
}
