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

// Cluster is a Redis Cluster of masters without replicas, started by
// [RedisCluster].
type Cluster struct {
	// Nodes are the cluster's servers. A test may stop, kill or restart
	// them; a restarted node keeps its cluster identity (nodes-P.conf in
	// its Dir).
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
// own (--cluster-port), kept across restarts. The options are those of
// [Redis], plus [TLS]: then each node also listens with TLS on a port of
// its own ([Cluster.TLSAddrs]), runs its bus over TLS (--tls-cluster
// yes), and announces its TLS port in CLUSTER SHARDS.
func RedisCluster(t testing.TB, n int, opts ...Option) *Cluster {
	t.Helper()
	if n < 3 {
		t.Fatalf("testenv: a redis cluster needs at least 3 masters, not %d", n)
	}
	o := newOptions(opts)
	if o.maxJobSize != 0 {
		t.Fatalf("testenv: MaxJobSize applies to Beanstalkd, not RedisCluster")
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
		return args
	})
	c.Nodes = launchN(t, sp, n)

	args := []string{"--cluster", "create"}
	args = append(args, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if o.password != "" {
		args = append(args, "-a", o.password, "--no-auth-warning")
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("testenv: redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	c.WaitOK()
	return c
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
// 16384 slots assigned, for example after restarting a node. It calls
// t.Fatalf after a minute, so call it from the test's goroutine.
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
		info, err := redisDo(n.Addr, c.Password, "CLUSTER", "INFO")
		if err != nil {
			return fmt.Errorf("%s: %w", n.Addr, err)
		}
		if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_slots_assigned:16384") {
			return fmt.Errorf("%s: CLUSTER INFO says:\n%s", n.Addr, info)
		}
	}
	return nil
}
