//go:build !windows

package eddy

// underWine reports false: Wine runs only Windows programs.
func underWine() bool { return false }
