package testenv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DNSRecords are the records a [Dnsmasq] server answers with. Each string
// is the value of the dnsmasq flag named in its comment (see dnsmasq(8)),
// for example Hosts: []string{"a.test,192.0.2.1,2001:db8::1"}.
type DNSRecords struct {
	Hosts  []string // --host-record=NAME[,NAME...],[IPv4][,IPv6][,TTL]
	CNAMEs []string // --cname=ALIAS[,ALIAS...],TARGET[,TTL]
	MX     []string // --mx-host=NAME[,TARGET[,PREFERENCE]]
	TXT    []string // --txt-record=NAME[,"TEXT"...]
	SRV    []string // --srv-host=_SERVICE._PROTO.NAME[,TARGET[,PORT[,PRIORITY[,WEIGHT]]]]
	PTR    []string // --ptr-record=NAME[,TARGET]
}

// args returns the dnsmasq flags for the records.
func (r DNSRecords) args() []string {
	var args []string
	for _, group := range []struct {
		flag   string
		values []string
	}{
		{"--host-record=", r.Hosts},
		{"--cname=", r.CNAMEs},
		{"--mx-host=", r.MX},
		{"--txt-record=", r.TXT},
		{"--srv-host=", r.SRV},
		{"--ptr-record=", r.PTR},
	} {
		for _, v := range group.values {
			args = append(args, group.flag+v)
		}
	}
	return args
}

// Dnsmasq starts a dnsmasq DNS server for the test, serving recs on UDP
// and TCP at the returned Server's Addr:
//
//	dnsmasq --no-daemon --port=P --listen-address=127.0.0.1
//	    --bind-interfaces --no-resolv --no-hosts --conf-file=/dev/null
//	    --pid-file= --log-facility=- --log-queries RECORD-FLAGS...
//
// plus any [Args]. It has no upstream servers, so it answers names it does
// not know with REFUSED; add Args("--local=/test/") for NXDOMAIN under
// test. Record TTLs are 0 unless given (or set with "--local-ttl=N").
// It runs in the foreground as the current user (in this mode dnsmasq
// changes user only when told to). It returns once the server answers a
// query.
func Dnsmasq(t testing.TB, recs DNSRecords, opts ...Option) *Server {
	t.Helper()
	o := newOptions(opts)
	if o.password != "" || o.maxJobSize != 0 || o.tls != nil || o.replicas != 0 {
		t.Fatalf("testenv: Password, MaxJobSize, TLS and Replicas do not apply to Dnsmasq")
	}
	return launch(t, spec{
		name:       "dnsmasq",
		debPackage: "dnsmasq-base",
		opts:       o,
		args: func(port int, dir string) []string {
			args := []string{
				"--no-daemon",
				"--port=" + strconv.Itoa(port),
				"--listen-address=127.0.0.1",
				"--bind-interfaces",
				"--no-resolv",
				"--no-hosts",
				"--conf-file=/dev/null",
				"--pid-file=",
				"--log-facility=-",
				"--log-queries",
			}
			args = append(args, recs.args()...)
			return append(args, o.args...)
		},
		portOK: func(port int) bool { return portFree("udp", port) },
		probe:  dnsReady,
	})
}

// dnsReady sends a query over UDP and accepts any response to it. DNS
// cannot say which process answered; the port is checked free for UDP
// and TCP just before the start.
func dnsReady(s *Server, _ int) error {
	c, err := net.Dial("udp", s.Addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	const id = 0x7e57
	q, err := dnsQuery(id, "testenv-ready.invalid.", 1)
	if err != nil {
		return err
	}
	if _, err := c.Write(q); err != nil {
		return err
	}
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if n < 12 || binary.BigEndian.Uint16(buf) != id || buf[2]&0x80 == 0 {
		return fmt.Errorf("not a DNS response to the query: % x", buf[:n])
	}
	return nil
}

// dnsQuery builds a DNS query message (RFC 1035 section 4.1) with one
// question for name, of type qtype and class IN, recursion desired.
func dnsQuery(id uint16, name string, qtype uint16) ([]byte, error) {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = append(b, 0x01, 0x00) // flags: RD
	b = append(b, 0, 1, 0, 0, 0, 0, 0, 0)
	for label := range strings.SplitSeq(strings.TrimSuffix(name, "."), ".") {
		if len(label) == 0 || len(label) > 63 {
			return nil, errors.New("testenv: bad DNS name " + strconv.Quote(name))
		}
		b = append(b, byte(len(label)))
		b = append(b, label...)
	}
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, qtype)
	return binary.BigEndian.AppendUint16(b, 1), nil // class IN
}
