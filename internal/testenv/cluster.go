package testenv

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clusterTimeout bounds the cluster creation and each wait for it to be
// healthy. Redis needs about two seconds.
const clusterTimeout = 60 * time.Second

// Cluster is a Redis Cluster started by [RedisCluster]: masters, and
// replicas with the [Replicas] option.
type Cluster struct {
	// Nodes are the cluster's servers. The first n (as passed to
	// RedisCluster) started as the masters; with [Replicas], Nodes[k*n+i]
	// (k >= 1) started as a replica of Nodes[i]. Failovers change the
	// roles: [Cluster.Role], [Cluster.Masters] and [Cluster.ReplicasOf]
	// ask the nodes. A test may stop, kill or restart nodes; a restarted
	// node keeps its cluster identity (nodes-P.conf in its Dir) and its
	// bus port, so it rejoins the cluster (a master that was failed over
	// comes back as a replica of its successor).
	Nodes []*Server
	// Password is the password set with [Password], or "".
	Password string

	t        testing.TB
	tls      bool
	tlsPorts tlsPorts // the TLS ports, with the TLS option
	busPorts tlsPorts // the cluster bus ports
}

// RedisCluster starts n redis-servers (n >= 3, the least Redis accepts)
// with cluster mode on:
//
//	--cluster-enabled yes --cluster-config-file DIR/nodes-P.conf
//	--cluster-node-timeout 2000
//
// joins them with `redis-cli --cluster create ... --cluster-replicas 0`,
// which spreads the 16384 slots over them, and returns once every node
// reports cluster_state:ok. Each node's bus runs on a free port of its
// own (--cluster-port, [Cluster.BusPort]), kept across restarts. The
// options are those of [Redis], plus [TLS]: then each node also listens
// with TLS on a port of its own ([Cluster.TLSAddrs]), runs its bus over
// TLS (--tls-cluster yes), and announces its TLS port in CLUSTER SHARDS.
//
// With [Replicas](r), n*r more nodes start as replicas (r per master),
// and RedisCluster returns once each of them is in sync with its master
// too. They replicate at once (--repl-diskless-sync-delay 0), and may be
// promoted however stale their data (--cluster-replica-validity-factor
// 0), so that a failover does not depend on the machine's speed. A killed
// master's replica takes over after the node timeout (two seconds) and
// an election, a few seconds in all.
func RedisCluster(t testing.TB, n int, opts ...Option) *Cluster {
	t.Helper()
	if n < 3 {
		t.Fatalf("testenv: a redis cluster needs at least 3 masters, not %d", n)
	}
	o := newOptions(opts)
	if o.maxJobSize != 0 {
		t.Fatalf("testenv: MaxJobSize applies to Beanstalkd, not RedisCluster")
	}
	if o.replicas < 0 {
		t.Fatalf("testenv: Replicas(%d): a master cannot have fewer than 0 replicas", o.replicas)
	}
	cli := requireBinary(t, "redis-cli", "redis-tools")
	c := &Cluster{Password: o.password, t: t, tls: o.tls != nil}
	sp := redisSpec(o, func(port int, dir string) []string {
		args := []string{
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes-"+strconv.Itoa(port)+".conf"),
			"--cluster-node-timeout", "2000",
		}
		// The bus gets a free port of its own rather than the default
		// port+10000, which may be taken or past 65535.
		args = append(args, "--cluster-port", strconv.Itoa(c.busPorts.forPort(port)))
		if o.tls != nil {
			// The bus runs over TLS too, which is what makes the nodes
			// announce their TLS ports (CLUSTER SHARDS "tls-port").
			args = append(args, tlsArgs(o.tls, c.tlsPorts.forPort(port))...)
			args = append(args, "--tls-cluster", "yes")
		}
		if o.replicas > 0 {
			args = append(args,
				"--repl-diskless-sync-delay", "0",
				"--cluster-replica-validity-factor", "0")
			if o.password != "" {
				// A replica authenticates to its master too.
				args = append(args, "--masterauth", o.password)
			}
		}
		return args
	})
	c.Nodes = launchN(t, sp, n*(1+o.replicas))

	args := []string{"--cluster", "create"}
	args = append(args, c.Addrs()...)
	args = append(args, "--cluster-replicas", strconv.Itoa(o.replicas), "--cluster-yes")
	if o.password != "" {
		args = append(args, "-a", o.password, "--no-auth-warning")
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("testenv: redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if o.replicas > 0 {
		c.orderNodes(n)
	}
	c.WaitOK()
	return c
}

// orderNodes puts the masters that redis-cli chose first, in the order of
// Nodes, and each one's replicas at the same index of the following
// groups of n.
func (c *Cluster) orderNodes(n int) {
	c.t.Helper()
	var masters []*Server
	replicas := map[*Server][]*Server{}
	for _, s := range c.Nodes {
		m, err := c.masterOf(s)
		if err != nil {
			c.t.Fatalf("testenv: redis cluster: %v", err)
		}
		if m == nil {
			masters = append(masters, s)
		} else {
			replicas[m] = append(replicas[m], s)
		}
	}
	if len(masters) != n {
		c.t.Fatalf("testenv: redis-cli made %d masters, not %d", len(masters), n)
	}
	nodes := masters
	for k := range len(c.Nodes)/n - 1 {
		for _, m := range masters {
			if len(replicas[m]) <= k {
				c.t.Fatalf("testenv: redis-cli gave %s %d replicas, not %d", m.Addr, len(replicas[m]), len(c.Nodes)/n-1)
			}
			nodes = append(nodes, replicas[m][k])
		}
	}
	c.Nodes = nodes
}

// BusPort returns the port of node's cluster bus (--cluster-port), which
// stays the same across restarts.
func (c *Cluster) BusPort(node *Server) int { return c.busPorts.forPort(node.Port) }

// Role asks node for its role: "master", "replica", or "" if it is not
// running or does not answer. Safe for concurrent use.
func (c *Cluster) Role(node *Server) string {
	if !node.Running() {
		return ""
	}
	info, err := redisDo(node.Addr, c.Password, "INFO", "replication")
	if err != nil {
		return ""
	}
	switch infoField(info, "role") {
	case "master":
		return "master"
	case "slave":
		return "replica"
	}
	return ""
}

// Masters returns the running nodes that say they are masters, in the
// order of Nodes. A master that was killed is not one of them, even while
// the others have yet to notice; a replica being promoted is one once it
// says so. Safe for concurrent use.
func (c *Cluster) Masters() []*Server {
	var out []*Server
	for _, n := range c.Nodes {
		if c.Role(n) == "master" {
			out = append(out, n)
		}
	}
	return out
}

// ReplicasOf returns the running nodes that say they replicate master
// (whether or not their link to it is up), in the order of Nodes. Safe
// for concurrent use.
func (c *Cluster) ReplicasOf(master *Server) []*Server {
	var out []*Server
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		if m, err := c.masterOf(n); err == nil && m == master {
			out = append(out, n)
		}
	}
	return out
}

// masterOf returns the node that s replicates, or nil if s is a master.
func (c *Cluster) masterOf(s *Server) (*Server, error) {
	info, err := redisDo(s.Addr, c.Password, "INFO", "replication")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Addr, err)
	}
	if infoField(info, "role") != "slave" {
		return nil, nil
	}
	port := infoField(info, "master_port")
	for _, n := range c.Nodes {
		if strconv.Itoa(n.Port) == port {
			return n, nil
		}
	}
	return nil, fmt.Errorf("%s replicates port %q, not a node of the cluster", s.Addr, port)
}

// infoField returns the value of a "name:value" line of an INFO reply.
func infoField(info, name string) string {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), name+":"); ok {
			return v
		}
	}
	return ""
}

// TLSAddrs returns the nodes' TLS addresses, in order, for a cluster
// started with the [TLS] option (nil otherwise).
func (c *Cluster) TLSAddrs() []string {
	if !c.tls {
		return nil
	}
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = net.JoinHostPort("127.0.0.1", strconv.Itoa(c.tlsPorts.forPort(n.Port)))
	}
	return addrs
}

// Addrs returns the nodes' addresses, in order.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr
	}
	return addrs
}

// WaitOK waits until every running node reports cluster_state:ok with all
// 16384 slots assigned, and every running replica has its link to its
// master up (master_link_status:up), for example after restarting a
// node. A replica whose master was killed counts once it has been
// promoted. WaitOK may return before the nodes notice a node that has
// just been stopped: wait for the change to show first (with
// [Cluster.Role], say). It calls t.Fatalf after a minute, so call it from
// the test's goroutine.
func (c *Cluster) WaitOK() {
	c.t.Helper()
	deadline := time.Now().Add(clusterTimeout)
	for {
		err := c.healthy()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("testenv: redis cluster not ok after %v: %v", clusterTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// healthy checks CLUSTER INFO on each running node.
func (c *Cluster) healthy() error {
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		replies, err := redisPipeline(n.Addr, c.Password, []string{"CLUSTER", "INFO"}, []string{"INFO", "replication"})
		if err != nil {
			return fmt.Errorf("%s: %w", n.Addr, err)
		}
		info, repl := replies[0], replies[1]
		if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_slots_assigned:16384") {
			return fmt.Errorf("%s: CLUSTER INFO says:\n%s", n.Addr, info)
		}
		if infoField(repl, "role") == "slave" && infoField(repl, "master_link_status") != "up" {
			return fmt.Errorf("%s: replica not in sync; INFO replication says:\n%s", n.Addr, repl)
		}
	}
	return nil
}
