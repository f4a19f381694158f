package procfs

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// Memory holds the memory figures of /proc/PID/status, in bytes. A field
// the file did not contain is zero.
type Memory struct {
	// RSS is VmRSS, the resident set size now.
	RSS int64
	// HWM is VmHWM, the peak resident set size.
	HWM int64
}

// ParseStatus parses the contents of /proc/PID/status and returns VmRSS
// and VmHWM. Lines it does not need are skipped; a needed line whose value
// is not "N kB" yields an error wrapping [ErrMalformedStatus].
func ParseStatus(b []byte) (Memory, error) {
	var m Memory
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		key, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(key) {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.HWM
		default:
			continue
		}
		f := bytes.Fields(val)
		if len(f) != 2 || string(f[1]) != "kB" {
			return Memory{}, fmt.Errorf("%w: %s: %q", ErrMalformedStatus, key, val)
		}
		n, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil || n < 0 || n > 1<<53 {
			return Memory{}, fmt.Errorf("%w: %s: %q", ErrMalformedStatus, key, val)
		}
		*dst = n * 1024
	}
	return m, nil
}

// ReadMemory returns VmRSS and VmHWM of process pid.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Memory{}, err
	}
	return ParseStatus(b)
}

// CountFDs returns the number of open file descriptors of process pid.
func CountFDs(pid int) (int, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	return len(names), err
}
