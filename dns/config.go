package dns

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"strings"
	"time"
)

// Defaults used when a Config field is left at its zero value, and by
// ParseResolvConf for options the file does not set. They follow the C
// library (resolv.conf(5)).
const (
	DefaultNdots       = 1
	DefaultTimeout     = 5 * time.Second
	DefaultAttempts    = 2
	DefaultCacheSize   = 4096
	DefaultCacheMaxTTL = time.Hour
	// DefaultCacheNegativeMaxTTL caps how long NXDOMAIN and NODATA answers
	// are remembered (RFC 2308 §5 suggests one to three hours at most; a
	// shorter cap lets new records show up sooner).
	DefaultCacheNegativeMaxTTL = 5 * time.Minute
	// DefaultHostsCheckInterval is how often, at most, the hosts file's
	// modification time is checked.
	DefaultHostsCheckInterval = 5 * time.Second
)

// Limits applied to resolv.conf options, as the C library does.
const (
	maxNameservers = 3  // MAXNS
	maxNdots       = 15 // RES_MAXNDOTS
	maxTimeout     = 30 * time.Second
	maxAttempts    = 5
	maxSearch      = 32 // glibc has none; this bounds memory
)

// Config configures a Resolver. Read it from the system with SystemConfig,
// parse one with ParseResolvConf, or fill it by hand. Zero-valued fields
// take the defaults documented on each field, except Ndots, where zero is
// a legitimate setting (DefaultConfig sets 1).
type Config struct {
	// Servers are the nameservers, tried in order (or rotated, see Rotate).
	// Invalid entries are ignored and port 0 means 53. Empty means
	// 127.0.0.1:53 and [::1]:53, as the C library assumes.
	Servers []netip.AddrPort
	// Search is the search list, for names with fewer than Ndots dots.
	// Entries may carry a trailing dot; invalid entries are ignored.
	Search []string
	// Ndots is the number of dots a name needs to be tried as is before
	// the search list (resolv.conf "options ndots:N").
	Ndots int
	// Timeout is the time to wait for one try (one server, one attempt).
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// Attempts is how many rounds over all servers a query makes. Zero
	// means DefaultAttempts.
	Attempts int
	// Rotate spreads queries over the servers (resolv.conf "options
	// rotate"): each query starts at the server after the one the previous
	// query started at.
	Rotate bool
	// UseTCP sends every query over TCP (resolv.conf "options use-vc").
	UseTCP bool
	// EDNS0 advertises a 1232-byte UDP payload with an OPT record
	// (resolv.conf "options edns0"), so fewer answers are truncated. A
	// server that answers the OPT record with FORMERR, NOTIMP or BADVERS is asked
	// again without it, and then only without it for ten minutes (RFC 6891
	// §7). Queries over TCP never carry it.
	EDNS0 bool
	// HostsPath is the hosts file consulted before DNS. Empty means no
	// hosts file.
	HostsPath string
	// HostsCheckInterval is how often, at most, the hosts file's
	// modification time is checked. Zero means DefaultHostsCheckInterval.
	HostsCheckInterval time.Duration
	// CacheSize is the most answers the cache holds. Zero means
	// DefaultCacheSize; negative disables the cache.
	CacheSize int
	// CacheMaxTTL caps how long a positive answer is cached. Zero means
	// DefaultCacheMaxTTL.
	CacheMaxTTL time.Duration
	// CacheNegativeMaxTTL caps how long NXDOMAIN and NODATA are cached.
	// Zero means DefaultCacheNegativeMaxTTL; negative disables negative
	// caching.
	CacheNegativeMaxTTL time.Duration
}

// DefaultConfig returns the configuration the C library uses when
// /etc/resolv.conf is missing: local nameservers, ndots 1, 5 s timeout,
// 2 attempts, and /etc/hosts. Safe for concurrent use.
func DefaultConfig() *Config {
	return &Config{
		Servers:   defaultServers(),
		Ndots:     DefaultNdots,
		Timeout:   DefaultTimeout,
		Attempts:  DefaultAttempts,
		HostsPath: "/etc/hosts",
	}
}

func defaultServers() []netip.AddrPort {
	return []netip.AddrPort{
		netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 53),
		netip.AddrPortFrom(netip.IPv6Loopback(), 53),
	}
}

// SystemConfig reads /etc/resolv.conf and sets HostsPath to /etc/hosts. A
// missing resolv.conf gives DefaultConfig. As in the C library, the
// LOCALDOMAIN environment variable replaces the search list, RES_OPTIONS
// adds options, and with no search list at all the domain part of the
// host name is used.
// It blocks on file I/O: call it before starting the loop, or from a
// worker. Safe for concurrent use.
func SystemConfig() (*Config, error) {
	cfg := DefaultConfig()
	f, err := os.Open("/etc/resolv.conf")
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		defer f.Close()
		cfg, err = ParseResolvConf(f)
		if err != nil {
			return nil, err
		}
		cfg.HostsPath = "/etc/hosts"
	}
	if v, ok := os.LookupEnv("LOCALDOMAIN"); ok {
		cfg.Search = parseSearch(strings.Fields(v))
	}
	if v := os.Getenv("RES_OPTIONS"); v != "" {
		applyOptions(cfg, strings.Fields(v))
	}
	if cfg.Search == nil {
		if h, err := os.Hostname(); err == nil {
			if i := strings.IndexByte(h, '.'); i >= 0 {
				if d, ok := bareName(h[i+1:]); ok {
					cfg.Search = []string{d + "."}
				}
			}
		}
	}
	return cfg, nil
}

// settings is a Config with defaults applied, as the resolver uses it.
type settings struct {
	servers        []netip.AddrPort
	search         []string
	ndots          int
	timeout        time.Duration
	attempts       int
	rotate         bool
	useTCP         bool
	edns0          bool
	hostsPath      string
	hostsInterval  time.Duration
	cacheSize      int
	cacheMaxTTL    time.Duration
	cacheNegMaxTTL time.Duration
}

func (c *Config) settings() settings {
	s := settings{
		ndots:          max(c.Ndots, 0),
		timeout:        c.Timeout,
		attempts:       c.Attempts,
		rotate:         c.Rotate,
		useTCP:         c.UseTCP,
		edns0:          c.EDNS0,
		hostsPath:      c.HostsPath,
		hostsInterval:  c.HostsCheckInterval,
		cacheSize:      c.CacheSize,
		cacheMaxTTL:    c.CacheMaxTTL,
		cacheNegMaxTTL: c.CacheNegativeMaxTTL,
	}
	for _, ap := range c.Servers {
		if !ap.Addr().IsValid() {
			continue
		}
		if ap.Port() == 0 {
			ap = netip.AddrPortFrom(ap.Addr(), 53)
		}
		s.servers = append(s.servers, ap)
	}
	if len(s.servers) == 0 {
		s.servers = defaultServers()
	}
	for _, d := range c.Search {
		d = strings.Trim(d, ".")
		if validName(d) {
			s.search = append(s.search, d)
		}
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.attempts <= 0 {
		s.attempts = DefaultAttempts
	}
	if s.hostsInterval <= 0 {
		s.hostsInterval = DefaultHostsCheckInterval
	}
	if s.cacheSize == 0 {
		s.cacheSize = DefaultCacheSize
	}
	if s.cacheMaxTTL <= 0 {
		s.cacheMaxTTL = DefaultCacheMaxTTL
	}
	if s.cacheNegMaxTTL == 0 {
		s.cacheNegMaxTTL = DefaultCacheNegativeMaxTTL
	}
	return s
}
