package procfs

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// ClockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat.
// Linux fixes it at 100 for every architecture the benchmarks run on.
const ClockTicks = 100

// Stat holds the fields of /proc/PID/stat that the benchmarks use.
type Stat struct {
	// UTime is the user-mode CPU time, in clock ticks.
	UTime uint64
	// STime is the kernel-mode CPU time, in clock ticks.
	STime uint64
}

// CPU returns UTime+STime as a duration.
func (s Stat) CPU() time.Duration {
	return time.Duration(s.UTime+s.STime) * (time.Second / ClockTicks)
}

// User returns UTime as a duration.
func (s Stat) User() time.Duration { return time.Duration(s.UTime) * (time.Second / ClockTicks) }

// System returns STime as a duration.
func (s Stat) System() time.Duration { return time.Duration(s.STime) * (time.Second / ClockTicks) }

// ParseStat parses the contents of /proc/PID/stat. The command name (the
// second field) may hold spaces and parentheses, so fields are counted
// from the last ')'. It returns an error wrapping [ErrMalformedStat] when
// the input does not have the expected shape.
func ParseStat(b []byte) (Stat, error) {
	end := bytes.LastIndexByte(b, ')')
	if end < 0 || bytes.IndexByte(b[:end], '(') < 0 {
		return Stat{}, fmt.Errorf("%w: no command name", ErrMalformedStat)
	}
	// After ") " come field 3 (state) onwards; utime is field 14 and
	// stime field 15, that is index 11 and 12 counted from field 3.
	fields := bytes.Fields(b[end+1:])
	const utimeIdx, stimeIdx = 14 - 3, 15 - 3
	if len(fields) <= stimeIdx {
		return Stat{}, fmt.Errorf("%w: %d fields after command name", ErrMalformedStat, len(fields))
	}
	u, err := strconv.ParseUint(string(fields[utimeIdx]), 10, 64)
	if err != nil {
		return Stat{}, fmt.Errorf("%w: utime: %v", ErrMalformedStat, err)
	}
	s, err := strconv.ParseUint(string(fields[stimeIdx]), 10, 64)
	if err != nil {
		return Stat{}, fmt.Errorf("%w: stime: %v", ErrMalformedStat, err)
	}
	return Stat{UTime: u, STime: s}, nil
}

// ReadCPUTime returns the user plus system CPU time consumed so far by
// all threads of process pid, read from /proc/PID/stat.
func ReadCPUTime(pid int) (time.Duration, error) {
	st, err := ReadStat(pid)
	return st.CPU(), err
}

// ReadStat reads and parses /proc/PID/stat: the user and system CPU
// time consumed so far by all threads of process pid.
func ReadStat(pid int) (Stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, err
	}
	return ParseStat(b)
}
