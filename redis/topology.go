package redis

import (
	"fmt"
	"net"
	"strconv"

	"github.com/eddy-go/eddy/codec/resp"
)

// slotRange is a range of slots served by one master.
type slotRange struct {
	start, end int // inclusive
	addr       string
}

// parseShards reads a CLUSTER SHARDS reply (Redis 7): for each shard, its
// slot ranges and the address of its master. host stands in for a node
// that does not know its own address; tls picks the TLS ports.
func parseShards(v resp.Value, host string, tls bool) ([]slotRange, error) {
	shards, err := v.Array()
	if err != nil {
		return nil, topologyErr("CLUSTER SHARDS reply is not an array")
	}
	var out []slotRange
	for _, sh := range shards {
		kv, err := sh.Map()
		if err != nil {
			return nil, topologyErr("CLUSTER SHARDS shard is not a map")
		}
		var slots, nodes []resp.Value
		for i := 0; i+1 < len(kv); i += 2 {
			switch k, _ := kv[i].Str(); k {
			case "slots":
				slots, err = kv[i+1].Array()
			case "nodes":
				nodes, err = kv[i+1].Array()
			}
			if err != nil {
				return nil, topologyErr("CLUSTER SHARDS slots or nodes is not an array")
			}
		}
		addr := ""
		for _, n := range nodes {
			if a, ok := shardMaster(n, host, tls); ok {
				addr = a
				break
			}
		}
		if addr == "" {
			continue // no master up: its slots stay unassigned
		}
		if len(slots)%2 != 0 {
			return nil, topologyErr("CLUSTER SHARDS slots has an odd length")
		}
		for j := 0; j < len(slots); j += 2 {
			r, err := newRange(slots[j], slots[j+1], addr)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// shardMaster returns the address of a CLUSTER SHARDS node if it is a
// master that is not failing.
func shardMaster(n resp.Value, host string, tls bool) (string, bool) {
	kv, err := n.Map()
	if err != nil {
		return "", false
	}
	var ip, endpoint, role, health string
	var port, tlsPort int64
	for i := 0; i+1 < len(kv); i += 2 {
		k, _ := kv[i].Str()
		switch k {
		case "ip":
			ip, _ = kv[i+1].Str()
		case "endpoint":
			endpoint, _ = kv[i+1].Str()
		case "role":
			role, _ = kv[i+1].Str()
		case "health":
			health, _ = kv[i+1].Str()
		case "port":
			port, _ = kv[i+1].Int()
		case "tls-port":
			tlsPort, _ = kv[i+1].Int()
		}
	}
	if role != "master" || health == "fail" {
		return "", false
	}
	if tls && tlsPort > 0 || port <= 0 {
		port = tlsPort
	}
	return nodeAddr(endpoint, ip, host, port)
}

// parseSlots reads a CLUSTER SLOTS reply: ranges of slots, each followed
// by its master (host, port, id...) and replicas.
func parseSlots(v resp.Value, host string) ([]slotRange, error) {
	entries, err := v.Array()
	if err != nil {
		return nil, topologyErr("CLUSTER SLOTS reply is not an array")
	}
	var out []slotRange
	for _, e := range entries {
		a, err := e.Array()
		if err != nil || len(a) < 3 {
			return nil, topologyErr("CLUSTER SLOTS entry is not [start, end, master...]")
		}
		m, err := a[2].Array()
		if err != nil || len(m) < 2 {
			return nil, topologyErr("CLUSTER SLOTS master is not [host, port...]")
		}
		h, _ := m[0].Str()
		port, err := m[1].Int()
		if err != nil {
			return nil, topologyErr("CLUSTER SLOTS port is not an integer")
		}
		addr, ok := nodeAddr(h, "", host, port)
		if !ok {
			return nil, topologyErr("CLUSTER SLOTS master has no usable address")
		}
		r, err := newRange(a[0], a[1], addr)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// nodeAddr joins the host to dial with port. An empty (or null)
// endpoint is the node saying that it does not know how clients reach it
// (cluster-preferred-endpoint-type unknown-endpoint, or a node that does
// not know its IP yet): Redis expects the client to use the host it asked,
// not the node's IP, which behind NAT or a load balancer the client may
// not reach. An endpoint of "?" (a hostname preferred but none announced)
// names no host: the IP stands in, if known.
func nodeAddr(endpoint, ip, host string, port int64) (string, bool) {
	if port <= 0 || port > 65535 {
		return "", false
	}
	h := endpoint
	if h == "?" {
		h = ip
	}
	if h == "" || h == "?" {
		h = host
	}
	if h == "" {
		return "", false
	}
	return net.JoinHostPort(h, strconv.FormatInt(port, 10)), true
}

func newRange(a, b resp.Value, addr string) (slotRange, error) {
	start, err1 := a.Int()
	end, err2 := b.Int()
	if err1 != nil || err2 != nil || start < 0 || start > end || end >= SlotCount {
		return slotRange{}, topologyErr(fmt.Sprintf("bad slot range %v-%v", a, b))
	}
	return slotRange{start: int(start), end: int(end), addr: addr}, nil
}

func topologyErr(msg string) error { return fmt.Errorf("%w: %s", ErrBadReply, msg) }
