package pin

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// Allowed returns the CPUs this process may run on, in order.
func Allowed() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, err
	}
	var cpus []int
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return cpus, nil
}

// Process binds every thread of this process to cpus. Threads created
// later inherit the binding from the thread that creates them, which is
// itself bound, so the whole process stays on cpus.
func Process(cpus ...int) error {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		// A thread may have exited since the listing: ESRCH is fine.
		if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
			return fmt.Errorf("sched_setaffinity(%d, cpus %v): %w", tid, cpus, err)
		}
	}
	return nil
}

// Load binds this process to cpu and sets GOMAXPROCS to 1, as a load
// generator or a measured client should run; restore puts back the CPUs
// and GOMAXPROCS it found.
func Load(cpu int) (restore func(), err error) {
	prevCPUs, err := Allowed()
	if err != nil {
		return nil, err
	}
	if err := Process(cpu); err != nil {
		Process(prevCPUs...)
		return nil, err
	}
	prev := runtime.GOMAXPROCS(1)
	return func() {
		runtime.GOMAXPROCS(prev)
		Process(prevCPUs...)
	}, nil
}
