package httpclient

import (
	"net/url"
	"testing"
)

// TestNoProxyDefaultPort: a NO_PROXY rule with a port matches a URL that
// leaves that port implicit (80 for http, 443 for https), as net/http's
// rules compare the URL's canonical host:port.
func TestNoProxyDefaultPort(t *testing.T) {
	fn := proxyFunc("http://proxy.invalid:3128", "http://proxy.invalid:3128", "example.com:80,secure.example:443,10.1.2.3:443,[2001:db8::1]:80")
	for target, direct := range map[string]bool{
		"http://example.com/":        true,
		"http://example.com:80/":     true,
		"http://a.example.com/x":     true,
		"http://example.com:8080/":   false,
		"https://example.com/":       false,
		"https://secure.example/":    true,
		"http://secure.example/":     false,
		"https://10.1.2.3/":          true,
		"http://10.1.2.3/":           false,
		"http://[2001:db8::1]/":      true,
		"https://[2001:db8::1]/":     false,
		"http://other.example:8080/": false,
	} {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		pu, err := fn(u)
		if err != nil {
			t.Fatal(err)
		}
		if (pu == nil) != direct {
			t.Errorf("%s: proxy %v, want direct %v", target, pu, direct)
		}
	}
}
