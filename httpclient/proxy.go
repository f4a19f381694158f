package httpclient

import (
	"net"
	"net/url"
	"os"
	"strings"
)

// ProxyFromEnvironment returns a Client.Proxy function that reads
// HTTP_PROXY and NO_PROXY (or their lower-case forms) once, now. NO_PROXY
// is a comma-separated list of "*", host names (matching themselves and
// their subdomains; a leading dot is allowed), IP addresses, and any of
// those with ":port". Loopback hosts never use a proxy. This version sends
// only plain-http requests through a proxy; https requests go direct.
func ProxyFromEnvironment() func(*url.URL) (*url.URL, error) {
	return proxyFunc(getenv("HTTP_PROXY"), getenv("NO_PROXY"))
}

func getenv(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return os.Getenv(strings.ToLower(name))
}

func proxyFunc(proxy, noProxy string) func(*url.URL) (*url.URL, error) {
	if proxy == "" {
		return func(*url.URL) (*url.URL, error) { return nil, nil }
	}
	if !strings.Contains(proxy, "://") {
		proxy = "http://" + proxy
	}
	pu, perr := url.Parse(proxy)
	var rules []string
	for _, r := range strings.Split(noProxy, ",") {
		if r = strings.ToLower(strings.TrimSpace(r)); r != "" {
			rules = append(rules, r)
		}
	}
	return func(u *url.URL) (*url.URL, error) {
		if u.Scheme != "http" || bypass(u, rules) {
			return nil, nil
		}
		return pu, perr
	}
}

// bypass reports whether NO_PROXY rules, or a loopback host, exempt u.
func bypass(u *url.URL, rules []string) bool {
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if host == "localhost" {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	for _, r := range rules {
		if r == "*" {
			return true
		}
		rh, rp := r, ""
		if h, p, err := net.SplitHostPort(r); err == nil {
			rh, rp = h, p
		}
		if rp != "" && rp != port {
			continue
		}
		rh = strings.TrimPrefix(rh, ".")
		if host == rh || strings.HasSuffix(host, "."+rh) {
			return true
		}
	}
	return false
}

// ProxyURL returns a Client.Proxy function that always answers u.
func ProxyURL(u *url.URL) func(*url.URL) (*url.URL, error) {
	return func(*url.URL) (*url.URL, error) { return u, nil }
}
