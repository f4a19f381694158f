package dns

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// maxResolvConf bounds the size of a resolv.conf that ParseResolvConf
// reads; real files are a few hundred bytes.
const maxResolvConf = 1 << 20

// ParseResolvConf parses resolv.conf(5) text. It understands nameserver
// (at most 3, port 53; an IPv6 address may carry a zone), domain and search
// (the last one wins), and options ndots:N (capped at 15), timeout:N
// (1..30 s), attempts:N (1..5), rotate, use-vc and edns0. Like the C
// library it ignores comments (';' or '#' in the first column), unknown
// keywords, unknown options and values it cannot parse, so a damaged
// file still yields a usable Config. Options not set take the package
// defaults; with no nameserver the local one is assumed. HostsPath is
// left empty. The error is non-nil only when r fails or holds more than
// 1 MiB (ErrTooLarge). Safe for concurrent use.
func ParseResolvConf(r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxResolvConf+1))
	if err != nil {
		return nil, fmt.Errorf("dns: reading resolv.conf: %w", err)
	}
	if len(data) > maxResolvConf {
		return nil, fmt.Errorf("%w: resolv.conf over %d bytes", ErrTooLarge, maxResolvConf)
	}
	cfg := &Config{
		Ndots:    DefaultNdots,
		Timeout:  DefaultTimeout,
		Attempts: DefaultAttempts,
	}
	for len(data) > 0 {
		var line []byte
		if i := indexLineEnd(data); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		if len(line) == 0 || line[0] == '#' || line[0] == ';' {
			continue
		}
		f := strings.Fields(string(line))
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) < 2 || len(cfg.Servers) >= maxNameservers {
				continue
			}
			if a, err := netip.ParseAddr(f[1]); err == nil {
				cfg.Servers = append(cfg.Servers, netip.AddrPortFrom(a, 53))
			}
		case "domain":
			if len(f) >= 2 {
				cfg.Search = parseSearch(f[1:2])
			}
		case "search":
			cfg.Search = parseSearch(f[1:])
		case "options":
			applyOptions(cfg, f[1:])
		}
	}
	if len(cfg.Servers) == 0 {
		cfg.Servers = defaultServers()
	}
	return cfg, nil
}

// indexLineEnd returns the index of the first '\n' in b, or -1.
func indexLineEnd(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return -1
}

// parseSearch keeps the valid domains of a search or domain line, made
// absolute, at most maxSearch of them. The result is never nil, so that
// "search" with bad entries still overrides an earlier line.
func parseSearch(f []string) []string {
	out := []string{}
	for _, d := range f {
		if len(out) == maxSearch {
			break
		}
		if d, ok := bareName(d); ok {
			out = append(out, d+".")
		}
	}
	return out
}

// applyOptions applies resolv.conf options (also used for RES_OPTIONS).
func applyOptions(cfg *Config, opts []string) {
	for _, o := range opts {
		switch {
		case strings.HasPrefix(o, "ndots:"):
			if n, ok := atoi(o[len("ndots:"):]); ok {
				cfg.Ndots = min(n, maxNdots)
			}
		case strings.HasPrefix(o, "timeout:"):
			if n, ok := atoi(o[len("timeout:"):]); ok {
				// Capped before the multiplication, which could overflow.
				cfg.Timeout = time.Duration(min(max(n, 1), int(maxTimeout/time.Second))) * time.Second
			}
		case strings.HasPrefix(o, "attempts:"):
			if n, ok := atoi(o[len("attempts:"):]); ok {
				cfg.Attempts = min(max(n, 1), maxAttempts)
			}
		case o == "rotate":
			cfg.Rotate = true
		case o == "use-vc", o == "usevc":
			cfg.UseTCP = true
		case o == "edns0":
			cfg.EDNS0 = true
		}
	}
}

// atoi parses a small non-negative decimal number; values too large for an
// int saturate, since every option is capped anyway.
func atoi(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 1 << 30, true
	}
	return n, true
}
