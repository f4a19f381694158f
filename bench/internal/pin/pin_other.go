//go:build !linux

package pin

// Allowed reports ErrUnsupported: pinning needs Linux.
func Allowed() ([]int, error) { return nil, ErrUnsupported }

// Process reports ErrUnsupported: pinning needs Linux.
func Process(cpus ...int) error { return ErrUnsupported }

// Load reports ErrUnsupported: pinning needs Linux.
func Load(cpu int) (restore func(), err error) { return nil, ErrUnsupported }
