package testenv_test

import (
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
)

func TestDnsmasq(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{
		Hosts:  []string{"a.example.test,192.0.2.10,2001:db8::10"},
		CNAMEs: []string{"www.example.test,a.example.test"},
		MX:     []string{"example.test,mail.example.test,10"},
		TXT:    []string{"t.example.test,hello world"},
		SRV:    []string{"_http._tcp.example.test,a.example.test,8080,1,5"},
	}, testenv.Args("--local=/example.test/"))

	m := query(t, "udp", srv.Addr, "a.example.test.", dnsmessage.TypeA)
	if len(m.Answers) != 1 {
		t.Fatalf("A: %d answers, want 1: %+v", len(m.Answers), m)
	}
	if a, ok := m.Answers[0].Body.(*dnsmessage.AResource); !ok || netip.AddrFrom4(a.A) != netip.MustParseAddr("192.0.2.10") {
		t.Fatalf("A answer %+v", m.Answers[0])
	}

	m = query(t, "udp", srv.Addr, "a.example.test.", dnsmessage.TypeAAAA)
	if len(m.Answers) != 1 {
		t.Fatalf("AAAA: %+v", m)
	}
	if a, ok := m.Answers[0].Body.(*dnsmessage.AAAAResource); !ok || netip.AddrFrom16(a.AAAA) != netip.MustParseAddr("2001:db8::10") {
		t.Fatalf("AAAA answer %+v", m.Answers[0])
	}

	m = query(t, "tcp", srv.Addr, "t.example.test.", dnsmessage.TypeTXT)
	if len(m.Answers) != 1 {
		t.Fatalf("TXT over TCP: %+v", m)
	}
	if txt, ok := m.Answers[0].Body.(*dnsmessage.TXTResource); !ok || len(txt.TXT) != 1 || txt.TXT[0] != "hello world" {
		t.Fatalf("TXT answer %+v", m.Answers[0])
	}

	m = query(t, "udp", srv.Addr, "www.example.test.", dnsmessage.TypeA)
	if len(m.Answers) != 2 {
		t.Fatalf("CNAME chain: %+v", m)
	}
	if cn, ok := m.Answers[0].Body.(*dnsmessage.CNAMEResource); !ok || cn.CNAME.String() != "a.example.test." {
		t.Fatalf("CNAME answer %+v", m.Answers[0])
	}

	m = query(t, "udp", srv.Addr, "example.test.", dnsmessage.TypeMX)
	if mx, ok := firstBody(m).(*dnsmessage.MXResource); !ok || mx.Pref != 10 || mx.MX.String() != "mail.example.test." {
		t.Fatalf("MX: %+v", m)
	}

	m = query(t, "udp", srv.Addr, "_http._tcp.example.test.", dnsmessage.TypeSRV)
	if srv, ok := firstBody(m).(*dnsmessage.SRVResource); !ok || srv.Port != 8080 || srv.Target.String() != "a.example.test." {
		t.Fatalf("SRV: %+v", m)
	}

	m = query(t, "udp", srv.Addr, "nope.example.test.", dnsmessage.TypeA)
	if m.RCode != dnsmessage.RCodeNameError {
		t.Fatalf("unknown name under --local: rcode %v, want NXDOMAIN", m.RCode)
	}
}

func firstBody(m dnsmessage.Message) dnsmessage.ResourceBody {
	if len(m.Answers) == 0 {
		return nil
	}
	return m.Answers[0].Body
}

// query asks addr one question over network ("udp" or "tcp").
func query(t *testing.T, network, addr, name string, typ dnsmessage.Type) dnsmessage.Message {
	t.Helper()
	q := dnsmessage.Message{
		Header: dnsmessage.Header{ID: 4242, RecursionDesired: true},
		Questions: []dnsmessage.Question{{
			Name:  dnsmessage.MustNewName(name),
			Type:  typ,
			Class: dnsmessage.ClassINET,
		}},
	}
	msg, err := q.Pack()
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var resp []byte
	if network == "tcp" {
		if _, err := c.Write(binary.BigEndian.AppendUint16(nil, uint16(len(msg)))); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		var n [2]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			t.Fatal(err)
		}
		resp = make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(c, resp); err != nil {
			t.Fatal(err)
		}
	} else {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1500)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		resp = buf[:n]
	}
	var m dnsmessage.Message
	if err := m.Unpack(resp); err != nil {
		t.Fatalf("unpack response: %v", err)
	}
	if m.ID != q.ID || !m.Response {
		t.Fatalf("not our response: %+v", m.Header)
	}
	return m
}
