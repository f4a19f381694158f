package poll

import "golang.org/x/sys/unix"

// Socket details of openbsd.
const (
	// dualStack reports whether an AF_INET6 socket can also carry IPv4,
	// so that a wildcard address listens on both.
	dualStack = false
	// soNoSigpipe is SO_NOSIGPIPE, or 0 where there is none.
	soNoSigpipe = 0
	// reusePortOpt is the option behind ListenConfig.ReusePort.
	reusePortOpt = unix.SO_REUSEPORT
	// somaxconnSysctl names the largest listen backlog.
	somaxconnSysctl = "kern.somaxconn"
)
