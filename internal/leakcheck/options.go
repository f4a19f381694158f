package leakcheck

import "time"

// DefaultTimeout is how long [Snapshot.Verify] waits for goroutines to end
// and descriptors to close before it reports a leak.
const DefaultTimeout = 2 * time.Second

// Option changes what a snapshot checks.
type Option func(*config)

type config struct {
	timeout time.Duration
	ignore  []string
	noFDs   bool
}

func newConfig(opts []Option) config {
	c := config{timeout: DefaultTimeout}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Timeout sets how long the check waits for goroutines to end and
// descriptors to close (default [DefaultTimeout]). Zero checks once.
func Timeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// Ignore skips goroutines whose stack trace contains any of the given
// substrings, for example a package-level worker that lives forever:
// Ignore("mypkg.(*pool).worker").
func Ignore(substrings ...string) Option {
	return func(c *config) { c.ignore = append(c.ignore, substrings...) }
}

// IgnoreFDs turns off the file descriptor check, keeping the goroutine check.
func IgnoreFDs() Option {
	return func(c *config) { c.noFDs = true }
}
