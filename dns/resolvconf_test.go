package dns

import (
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

const sampleResolvConf = `# generated
; also a comment
nameserver 10.0.0.1
nameserver 2001:db8::53
nameserver fe80::1%eth0
nameserver 10.0.0.4
nameserver not-an-ip
domain ignored.example
search corp.example. example.com bad..name
options ndots:2 timeout:3 attempts:9 rotate
options edns0 use-vc unknown:1 ndots:x
sortlist 130.155.160.0/255.255.240.0
`

func TestParseResolvConf(t *testing.T) {
	cfg, err := ParseResolvConf(strings.NewReader(sampleResolvConf))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Servers: []netip.AddrPort{
			netip.MustParseAddrPort("10.0.0.1:53"),
			netip.MustParseAddrPort("[2001:db8::53]:53"),
			netip.MustParseAddrPort("[fe80::1%eth0]:53"),
		},
		Search:   []string{"corp.example.", "example.com."},
		Ndots:    2,
		Timeout:  3 * time.Second,
		Attempts: 5,
		Rotate:   true,
		UseTCP:   true,
		EDNS0:    true,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("got  %+v\nwant %+v", cfg, want)
	}
}

func TestParseResolvConfDefaults(t *testing.T) {
	cfg, err := ParseResolvConf(strings.NewReader("domain only.example\noptions ndots:99 timeout:0 attempts:0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Servers, defaultServers()) || !slices.Equal(cfg.Search, []string{"only.example."}) ||
		cfg.Ndots != 15 || cfg.Timeout != time.Second || cfg.Attempts != 1 {
		t.Fatalf("got %+v", cfg)
	}
	cfg, _ = ParseResolvConf(strings.NewReader("search a.example\ndomain b.example\n"))
	if !slices.Equal(cfg.Search, []string{"b.example."}) {
		t.Fatalf("last of domain/search should win: %q", cfg.Search)
	}
	cfg, _ = ParseResolvConf(strings.NewReader(""))
	if cfg.Ndots != DefaultNdots || cfg.Timeout != DefaultTimeout || cfg.Attempts != DefaultAttempts || cfg.Search != nil {
		t.Fatalf("empty file: %+v", cfg)
	}
}

func TestParseResolvConfErrors(t *testing.T) {
	_, err := ParseResolvConf(strings.NewReader(strings.Repeat("#", maxResolvConf+1)))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
	boom := errors.New("boom")
	if _, err := ParseResolvConf(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
}

func TestParseResolvConfSplit(t *testing.T) {
	want, _ := ParseResolvConf(strings.NewReader(sampleResolvConf))
	for kind, r := range readers([]byte(sampleResolvConf)) {
		got, err := ParseResolvConf(r)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s reader: %+v %v", kind, got, err)
		}
	}
}

func TestSystemConfig(t *testing.T) {
	t.Setenv("LOCALDOMAIN", "env.example")
	t.Setenv("RES_OPTIONS", "ndots:4 rotate")
	cfg, err := SystemConfig()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Servers) == 0 || cfg.HostsPath != "/etc/hosts" || cfg.Ndots != 4 || !cfg.Rotate ||
		!slices.Equal(cfg.Search, []string{"env.example."}) {
		t.Fatalf("got %+v", cfg)
	}
}
