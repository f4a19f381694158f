//go:build !unix

package testenv

import "os"

// terminate kills p: there is no graceful signal here.
func terminate(p *os.Process) error { return p.Kill() }
