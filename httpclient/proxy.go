package httpclient

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
)

// ProxyFromEnvironment returns a Client.Proxy function that reads
// HTTP_PROXY, HTTPS_PROXY and NO_PROXY (or their lower-case forms) once,
// now, with net/http's rules: plain-http requests go through HTTP_PROXY as
// a forward proxy, https requests through a CONNECT tunnel to
// HTTPS_PROXY. NO_PROXY is a comma-separated list of "*", host names
// (matching themselves and their subdomains; a leading dot or "*." is
// allowed), IP addresses, CIDR ranges, and host names or addresses with
// ":port". Requests to localhost and loopback addresses never use a proxy.
// A proxy value without a scheme is taken as http://; one that does not
// parse makes every request that would use it fail with ErrProxy. In a
// CGI program (REQUEST_METHOD set), where a request's "Proxy" field
// arrives as HTTP_PROXY ("httpoxy"), HTTP_PROXY is refused as net/http
// refuses it: plain-http requests that would use it fail with ErrProxy.
func ProxyFromEnvironment() func(*url.URL) (*url.URL, error) {
	httpProxy := getenv("HTTP_PROXY")
	fn := proxyFunc(httpProxy, getenv("HTTPS_PROXY"), getenv("NO_PROXY"))
	if httpProxy == "" || os.Getenv("REQUEST_METHOD") == "" {
		return fn
	}
	return func(u *url.URL) (*url.URL, error) {
		pu, err := fn(u)
		if (pu != nil || err != nil) && u.Scheme == "http" {
			return nil, errCGIProxy
		}
		return pu, err
	}
}

// errCGIProxy is the failure of a plain-http request that would go
// through HTTP_PROXY in a CGI program; Client wraps it with ErrProxy.
var errCGIProxy = errors.New("refusing to use HTTP_PROXY in a CGI environment (REQUEST_METHOD is set); see golang.org/s/cgihttpproxy")

func getenv(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return os.Getenv(strings.ToLower(name))
}

// ProxyURL returns a Client.Proxy function that always answers u.
func ProxyURL(u *url.URL) func(*url.URL) (*url.URL, error) {
	return func(*url.URL) (*url.URL, error) { return u, nil }
}

// proxyFunc is ProxyFromEnvironment on given values.
func proxyFunc(httpProxy, httpsProxy, noProxy string) func(*url.URL) (*url.URL, error) {
	type choice struct {
		u   *url.URL
		err error
	}
	parse := func(v string) choice {
		if v == "" {
			return choice{}
		}
		pu, err := parseProxy(v)
		return choice{pu, err}
	}
	forHTTP, forHTTPS := parse(httpProxy), parse(httpsProxy)
	rules := parseNoProxy(noProxy)
	return func(u *url.URL) (*url.URL, error) {
		var c choice
		switch u.Scheme {
		case "http":
			c = forHTTP
		case "https":
			c = forHTTPS
		}
		if (c.u == nil && c.err == nil) || rules.bypass(u) {
			return nil, nil
		}
		return c.u, c.err
	}
}

// parseProxy parses a proxy setting; a bare host:port means http.
func parseProxy(v string) (*url.URL, error) {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" {
		if u2, err2 := url.Parse("http://" + v); err2 == nil && u2.Host != "" {
			return u2, nil
		}
		if err == nil {
			err = fmt.Errorf("no host in %q", v)
		}
		return nil, fmt.Errorf("%w: proxy setting: %w", ErrProxy, err)
	}
	return u, nil
}

// noProxy holds parsed NO_PROXY rules.
type noProxy struct {
	all      bool
	prefixes []netip.Prefix
	ips      []hostRule // addresses, with an optional port
	domains  []hostRule // lower-case names without a leading dot
}

type hostRule struct {
	host, port string
	subOnly    bool // given with a leading "." or "*.": subdomains only
}

func parseNoProxy(v string) noProxy {
	var np noProxy
	for _, r := range strings.Split(v, ",") {
		r = strings.ToLower(strings.TrimSpace(r))
		switch {
		case r == "":
			continue
		case r == "*":
			np.all = true
			continue
		}
		if p, err := netip.ParsePrefix(r); err == nil {
			np.prefixes = append(np.prefixes, p)
			continue
		}
		host, port := r, ""
		if h, p, err := net.SplitHostPort(r); err == nil {
			host, port = h, p
		}
		if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
			np.ips = append(np.ips, hostRule{host: ip.Unmap().String(), port: port})
			continue
		}
		sub := false
		if s, ok := strings.CutPrefix(host, "*."); ok {
			host, sub = s, true
		} else if s, ok := strings.CutPrefix(host, "."); ok {
			host, sub = s, true
		}
		if host == "" {
			continue
		}
		np.domains = append(np.domains, hostRule{host: host, port: port, subOnly: sub})
	}
	return np
}

// bypass reports whether u goes direct: a loopback host, or a rule.
func (np noProxy) bypass(u *url.URL) bool {
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	port := u.Port()
	if port == "" {
		// Rules compare the canonical host:port, as net/http's do.
		switch u.Scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, ipErr := netip.ParseAddr(host)
	if ipErr == nil {
		ip = ip.Unmap()
		if ip.IsLoopback() {
			return true
		}
	}
	if np.all {
		return true
	}
	if ipErr == nil {
		for _, p := range np.prefixes {
			if p.Contains(ip) {
				return true
			}
		}
		for _, r := range np.ips {
			if r.host == ip.String() && (r.port == "" || r.port == port) {
				return true
			}
		}
		return false
	}
	for _, r := range np.domains {
		if r.port != "" && r.port != port {
			continue
		}
		if strings.HasSuffix(host, "."+r.host) || (!r.subOnly && host == r.host) {
			return true
		}
	}
	return false
}

// proxyAuth returns the Proxy-Authorization value for the user info of a
// proxy URL (Basic, RFC 7617), or "".
func proxyAuth(pu *url.URL) string {
	if pu.User == nil {
		return ""
	}
	return basicAuth(pu.User)
}

// basicAuth returns the Basic credentials (RFC 7617) of a URL's user
// info, for an Authorization or Proxy-Authorization field.
func basicAuth(ui *url.Userinfo) string {
	pass, _ := ui.Password()
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(ui.Username()+":"+pass))
}
