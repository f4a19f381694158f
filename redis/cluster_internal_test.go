package redis

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/codec/resp"
)

func TestSlotVectors(t *testing.T) {
	for key, want := range map[string]int{
		"123456789":             0x31C3, // the CRC16/XMODEM check value
		"foo":                   12182,
		"bar":                   5061,
		"{user1000}.following":  Slot("user1000"),
		"{user1000}.followers":  Slot("user1000"),
		"foo{}{bar}":            Slot("foo{}{bar}"), // empty tag: the whole key
		"foo{{bar}}zap":         Slot("{bar"),
		"foo{bar}{zap}":         Slot("bar"),
		"{":                     Slot("{"),
		"":                      0,
		"a{b":                   Slot("a{b"),
		"{user1000}.following2": Slot("user1000"),
	} {
		if got := Slot(key); got != want {
			t.Errorf("Slot(%q) = %d, want %d", key, got, want)
		}
	}
	if Slot("foo{}{bar}") == Slot("bar") {
		t.Error("an empty hash tag must not select the next one")
	}
}

func TestSplitCommand(t *testing.T) {
	cmd := resp.AppendCommand(nil, "SET", "k", "", "v\r\nx")
	args, ok := splitCommand(cmd)
	if !ok || len(args) != 4 || string(args[0]) != "SET" || string(args[2]) != "" || string(args[3]) != "v\r\nx" {
		t.Fatalf("splitCommand = %q, %v", args, ok)
	}
	for _, bad := range []string{
		"", "*", "*0\r\n", "*1\r\n", "*1\r\n$1\r\nab\r\n", "*1\r\n$3\r\nab\r\n", "*1\r\n$-1\r\n",
		"*1\r\n$1\r\na\r\nextra", "+OK\r\n", "*99999999999999999999\r\n", "*1\r\n$\r\n\r\n",
		"*1\n$1\r\na\r\n", "*2\r\n$1\r\na\r\n",
	} {
		if args, ok := splitCommand([]byte(bad)); ok {
			t.Errorf("splitCommand(%q) = %q, want failure", bad, args)
		}
	}
}

func TestCommandKeys(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		keys []string
	}{
		{[]string{"GET", "a"}, []string{"a"}},
		{[]string{"PING"}, nil},
		{[]string{"ping", "x"}, nil},
		{[]string{"PUBLISH", "ch", "m"}, nil},
		{[]string{"SPUBLISH", "ch", "m"}, []string{"ch"}},
		{[]string{"MSET", "a", "1", "b", "2"}, []string{"a", "b"}},
		{[]string{"MGET", "a", "b", "c"}, []string{"a", "b", "c"}},
		{[]string{"DEL", "a"}, []string{"a"}},
		{[]string{"RENAME", "a", "b"}, []string{"a", "b"}},
		{[]string{"BLPOP", "a", "b", "0"}, []string{"a", "b"}},
		{[]string{"EVAL", "s", "2", "a", "b", "arg"}, []string{"a", "b"}},
		{[]string{"EVALSHA", "h", "0", "arg"}, []string{}},
		{[]string{"EVAL", "s", "9", "a"}, nil},
		{[]string{"EVAL", "s", "x", "a"}, nil},
		{[]string{"XREAD", "COUNT", "1", "STREAMS", "s1", "s2", "0", "0"}, []string{"s1", "s2"}},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "streams", "s1", ">"}, []string{"s1"}},
		{[]string{"XREAD", "COUNT", "1"}, nil},
		{[]string{"ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"}, []string{"d", "a", "b"}},
		{[]string{"ZINTERSTORE", "d"}, []string{"d"}},
		{[]string{"BITOP", "AND", "d", "a", "b"}, []string{"d", "a", "b"}},
		{[]string{"HSET", "h", "f", "v"}, []string{"h"}},
		{[]string{"CLUSTER", "SHARDS"}, nil},
		{[]string{"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}, []string{"s"}},
		{[]string{"XGROUP", "HELP"}, nil},
		{[]string{"XINFO", "GROUPS", "s"}, []string{"s"}},
		{[]string{"OBJECT", "ENCODING", "k"}, []string{"k"}},
		{[]string{"MEMORY", "USAGE", "k", "SAMPLES", "0"}, []string{"k"}},
		{[]string{"MEMORY", "STATS"}, nil},
	} {
		args := make([][]byte, len(tc.cmd))
		for i, a := range tc.cmd {
			args[i] = []byte(a)
		}
		var got []string
		for _, k := range commandKeys(args) {
			got = append(got, string(k))
		}
		if !slices.Equal(got, tc.keys) && (len(got) > 0 || len(tc.keys) > 0) {
			t.Errorf("commandKeys(%q) = %q, want %q", tc.cmd, got, tc.keys)
		}
	}
}

// Tiny RESP builders for topology replies.
func bulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }
func num(n int) string     { return fmt.Sprintf(":%d\r\n", n) }
func arr(es ...string) string {
	return fmt.Sprintf("*%d\r\n%s", len(es), strings.Join(es, ""))
}
func dict(kv ...string) string {
	return fmt.Sprintf("%%%d\r\n%s", len(kv)/2, strings.Join(kv, ""))
}

func shardNode(ip, endpoint string, port, tlsPort int, role, health string) string {
	kv := []string{bulk("id"), bulk("0123"), bulk("port"), num(port), bulk("ip"), bulk(ip),
		bulk("endpoint"), bulk(endpoint), bulk("role"), bulk(role),
		bulk("replication-offset"), num(42), bulk("health"), bulk(health)}
	if tlsPort > 0 {
		kv = append(kv, bulk("tls-port"), num(tlsPort))
	}
	return dict(kv...)
}

var shardsReply = arr(
	dict(bulk("slots"), arr(num(0), num(99), num(200), num(300)),
		bulk("nodes"), arr(
			shardNode("10.0.0.2", "10.0.0.2", 7001, 0, "replica", "online"),
			shardNode("10.0.0.1", "10.0.0.1", 7000, 17000, "master", "online"))),
	dict(bulk("slots"), arr(num(100), num(199)),
		bulk("nodes"), arr(shardNode("10.0.0.3", "?", 7002, 0, "master", "online"))),
	dict(bulk("slots"), arr(num(301), num(16000)),
		bulk("nodes"), arr(shardNode("", "", 7003, 0, "master", "online"))),
	// unknown-endpoint: the IP is known, but not how clients reach it.
	dict(bulk("slots"), arr(num(16001), num(16383)),
		bulk("nodes"), arr(shardNode("10.0.0.4", "", 7004, 0, "master", "online"))),
	dict(bulk("slots"), arr(),
		bulk("nodes"), arr(shardNode("10.0.0.9", "10.0.0.9", 7009, 0, "master", "fail"))),
)

var slotsReply = arr(
	arr(num(0), num(5460), arr(bulk("10.0.0.1"), num(7000), bulk("id1")), arr(bulk("10.0.0.2"), num(7001), bulk("id2"))),
	arr(num(5461), num(16383), arr(bulk(""), num(7002), bulk("id3"))),
)

// decodeSplit decodes one value from data fed in two parts at cut.
func decodeSplit(t *testing.T, data string, cut int) resp.Value {
	t.Helper()
	var d resp.Decoder
	d.Feed([]byte(data[:cut]))
	v, err := d.Next()
	if cut < len(data) {
		if !errors.Is(err, resp.ErrNeedMore) {
			t.Fatalf("cut %d: %v before the end", cut, err)
		}
		d.Feed([]byte(data[cut:]))
		v, err = d.Next()
	}
	if err != nil {
		t.Fatalf("cut %d: %v", cut, err)
	}
	return v.Clone()
}

func TestParseTopologySplit(t *testing.T) {
	wantShards := []slotRange{{0, 99, "10.0.0.1:7000"}, {200, 300, "10.0.0.1:7000"},
		{100, 199, "10.0.0.3:7002"}, {301, 16000, "seed:7003"}, {16001, 16383, "seed:7004"}}
	wantTLS := slices.Clone(wantShards)
	wantTLS[0].addr, wantTLS[1].addr = "10.0.0.1:17000", "10.0.0.1:17000"
	wantSlots := []slotRange{{0, 5460, "10.0.0.1:7000"}, {5461, 16383, "seed:7002"}}
	for cut := 1; cut <= len(shardsReply); cut++ {
		v := decodeSplit(t, shardsReply, cut)
		got, err := parseShards(v, "seed", false)
		if err != nil || !slices.Equal(got, wantShards) {
			t.Fatalf("cut %d: parseShards = %v, %v", cut, got, err)
		}
		if got, _ := parseShards(v, "seed", true); !slices.Equal(got, wantTLS) {
			t.Fatalf("cut %d: parseShards with TLS = %v", cut, got)
		}
	}
	for cut := 1; cut <= len(slotsReply); cut++ {
		got, err := parseSlots(decodeSplit(t, slotsReply, cut), "seed")
		if err != nil || !slices.Equal(got, wantSlots) {
			t.Fatalf("cut %d: parseSlots = %v, %v", cut, got, err)
		}
	}
}

func TestParseTopologyBad(t *testing.T) {
	for _, bad := range []string{
		num(1),
		arr(num(1)),
		arr(dict(bulk("slots"), num(1))),
		arr(dict(bulk("slots"), arr(num(0)), bulk("nodes"), arr(shardNode("a", "a", 1, 0, "master", "online")))),
		arr(dict(bulk("slots"), arr(num(5), num(1)), bulk("nodes"), arr(shardNode("a", "a", 1, 0, "master", "online")))),
		arr(dict(bulk("slots"), arr(num(0), num(16384)), bulk("nodes"), arr(shardNode("a", "a", 1, 0, "master", "online")))),
	} {
		if got, err := parseShards(decodeSplit(t, bad, len(bad)), "h", false); !errors.Is(err, ErrBadReply) {
			t.Errorf("parseShards(%q) = %v, %v", bad, got, err)
		}
	}
	for _, bad := range []string{
		num(1),
		arr(num(1)),
		arr(arr(num(0), num(1))),
		arr(arr(num(0), num(1), arr(bulk("h")))),
		arr(arr(num(0), num(1), arr(bulk("h"), bulk("x")))),
		arr(arr(num(0), num(1), arr(bulk("h"), num(0)))),
		arr(arr(num(2), num(1), arr(bulk("h"), num(1)))),
	} {
		if got, err := parseSlots(decodeSplit(t, bad, len(bad)), "h"); !errors.Is(err, ErrBadReply) {
			t.Errorf("parseSlots(%q) = %v, %v", bad, got, err)
		}
	}
}

// FuzzSplitCommand checks that splitCommand never panics and that what
// it accepts is exactly a command as the encoder writes it.
func FuzzSplitCommand(f *testing.F) {
	f.Add(resp.AppendCommand(nil, "SET", "k", "v"))
	f.Add(resp.AppendCommand(nil, "PING"))
	f.Add(resp.AppendCommand(nil, "EVAL", "return 1", "2", "a", "b"))
	f.Add([]byte("*1\r\n$3\r\nab\r\n"))
	f.Add([]byte("*2\r\n$0\r\n\r\n$1\r\n\r\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		args, ok := splitCommand(data)
		if !ok {
			return
		}
		if again := resp.AppendArgs(nil, args); !bytes.Equal(again, data) {
			t.Fatalf("accepted %q, which encodes back as %q", data, again)
		}
		for _, k := range commandKeys(args) {
			if s := slotOf(k); s < 0 || s >= SlotCount {
				t.Fatalf("slot %d", s)
			}
		}
	})
}

// FuzzTopology feeds arbitrary RESP to the CLUSTER SHARDS and CLUSTER
// SLOTS parsers: no panic, and every range they return is valid.
func FuzzTopology(f *testing.F) {
	f.Add([]byte(shardsReply))
	f.Add([]byte(slotsReply))
	f.Add([]byte(arr(dict(bulk("slots"), arr(num(0), num(16384))))))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d resp.Decoder
		d.Feed(data)
		v, err := d.Next()
		if err != nil {
			return
		}
		check := func(rs []slotRange, err error) {
			if err != nil {
				return
			}
			for _, r := range rs {
				if r.start < 0 || r.start > r.end || r.end >= SlotCount || r.addr == "" {
					t.Fatalf("bad range %+v", r)
				}
			}
		}
		check(parseShards(v, "h", false))
		check(parseShards(v, "h", true))
		check(parseSlots(v, "h"))
	})
}

// The address of a MOVED or ASK redirection is "host:port" as the server
// prints it: an IPv6 host without brackets, or "" or "?" for a node that
// does not know its endpoint (the redirecting node's host stands in).
func TestResolveAddr(t *testing.T) {
	c := &ClusterClient{}
	from := &Client{addr: "10.0.0.1:7000"}
	from6 := &Client{addr: "[fd00::1]:7000"}
	for _, tc := range []struct {
		from *Client
		addr string
		want string
	}{
		{from, "10.0.0.2:7001", "10.0.0.2:7001"},
		{from, "node-b.example:7001", "node-b.example:7001"},
		{from, ":7001", "10.0.0.1:7001"},
		{from, "?:7001", "10.0.0.1:7001"},
		{from, "fd00::2:7001", "[fd00::2]:7001"},
		{from, "[fd00::2]:7001", "[fd00::2]:7001"},
		{from6, ":7001", "[fd00::1]:7001"},
		{from6, "fd00::3:7002", "[fd00::3]:7002"},
	} {
		if got := c.resolveAddr(tc.from, tc.addr); got != tc.want {
			t.Errorf("resolveAddr(%s, %q) = %q, want %q", tc.from.addr, tc.addr, got, tc.want)
		}
	}
}
