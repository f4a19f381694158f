//go:build unix

package testenv

import (
	"os"
	"syscall"
)

// terminate asks p to exit: SIGTERM, and SIGCONT in case a test stopped it.
func terminate(p *os.Process) error {
	err := p.Signal(syscall.SIGTERM)
	p.Signal(syscall.SIGCONT)
	return err
}
