package poll

import "golang.org/x/sys/unix"

// Socket details of netbsd.
const (
	// dualStack reports whether an AF_INET6 socket can also carry IPv4,
	// so that a wildcard address listens on both.
	dualStack = true
	// soNoSigpipe is SO_NOSIGPIPE, or 0 where there is none.
	soNoSigpipe = unix.SO_NOSIGPIPE
	// reusePortOpt is the option behind ListenConfig.ReusePort.
	reusePortOpt = unix.SO_REUSEPORT
	// somaxconnSysctl names the largest listen backlog.
	somaxconnSysctl = "kern.somaxconn"
)
