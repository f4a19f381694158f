package testenv_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/testenv"
)

func TestRedisCluster(t *testing.T) {
	c := testenv.RedisCluster(t, 3)
	if len(c.Nodes) != 3 || len(c.Addrs()) != 3 {
		t.Fatalf("%d nodes, %d addrs; want 3", len(c.Nodes), len(c.Addrs()))
	}
	for _, n := range c.Nodes {
		info, _ := dial(t, n.Addr).redis("CLUSTER", "INFO").(string)
		if !strings.Contains(info, "cluster_state:ok") {
			t.Fatalf("%s: CLUSTER INFO:\n%s", n.Addr, info)
		}
	}

	// CLUSTER SLOTS: [[start, end, [host, port, id, ...], ...], ...]
	slots, _ := dial(t, c.Nodes[0].Addr).redis("CLUSTER", "SLOTS").([]any)
	covered := make([]bool, 16384)
	owners := map[int64]bool{}
	for _, r := range slots {
		rng, _ := r.([]any)
		if len(rng) < 3 {
			t.Fatalf("bad slot range %v", r)
		}
		start, _ := rng[0].(int64)
		end, _ := rng[1].(int64)
		master, _ := rng[2].([]any)
		if len(master) < 2 {
			t.Fatalf("bad master %v", rng[2])
		}
		port, _ := master[1].(int64)
		owners[port] = true
		for s := start; s <= end; s++ {
			if covered[s] {
				t.Fatalf("slot %d covered twice", s)
			}
			covered[s] = true
		}
	}
	if i := slices.Index(covered, false); i >= 0 {
		t.Fatalf("slot %d not covered", i)
	}
	for _, n := range c.Nodes {
		if !owners[int64(n.Port)] {
			t.Errorf("node %s owns no slots (owners %v)", n.Addr, owners)
		}
	}

	// A restarted node keeps its identity, from nodes-P.conf in its Dir.
	id := dial(t, c.Nodes[1].Addr).redis("CLUSTER", "MYID")
	c.Nodes[1].Restart()
	if got := dial(t, c.Nodes[1].Addr).redis("CLUSTER", "MYID"); got != id {
		t.Fatalf("CLUSTER MYID after restart = %v, want %v", got, id)
	}
}

func TestRedisClusterNeedsThree(t *testing.T) {
	f := &fakeTB{TB: t}
	f.run(func() { testenv.RedisCluster(f, 2) })
	if !strings.Contains(f.fatal, "at least 3") {
		t.Fatalf("Fatalf = %q", f.fatal)
	}
}

// A cluster with replicas: Nodes holds the masters, then their replicas in
// the same order; roles, the bus ports and a failover show as documented.
func TestRedisClusterReplicas(t *testing.T) {
	c := testenv.RedisCluster(t, 3, testenv.Replicas(1))
	if len(c.Nodes) != 6 {
		t.Fatalf("%d nodes, want 6", len(c.Nodes))
	}
	if got := c.Masters(); !slices.Equal(got, c.Nodes[:3]) {
		t.Fatalf("Masters() = %v, want the first three nodes", addrsOf(got))
	}
	for i, m := range c.Nodes[:3] {
		r := c.Nodes[3+i]
		if role := c.Role(r); role != "replica" {
			t.Fatalf("Role(%s) = %q, want replica", r.Addr, role)
		}
		if got := c.ReplicasOf(m); !slices.Equal(got, []*testenv.Server{r}) {
			t.Fatalf("ReplicasOf(%s) = %v, want [%s]", m.Addr, addrsOf(got), r.Addr)
		}
	}
	// CLUSTER NODES lines read "id 127.0.0.1:port@busport flags ...".
	nodes, _ := dial(t, c.Nodes[1].Addr).redis("CLUSTER", "NODES").(string)
	for _, n := range c.Nodes {
		want := fmt.Sprintf(" %s@%d ", n.Addr, c.BusPort(n))
		if !strings.Contains(nodes, want) {
			t.Fatalf("CLUSTER NODES lacks %q:\n%s", want, nodes)
		}
	}
	// WaitOK waited for the replicas to sync.
	for _, r := range c.Nodes[3:] {
		info, _ := dial(t, r.Addr).redis("INFO", "replication").(string)
		if !strings.Contains(info, "master_link_status:up") {
			t.Fatalf("%s: INFO replication:\n%s", r.Addr, info)
		}
	}

	// A killed master's replica takes over; restarted, the master comes
	// back on its port as a replica of its successor.
	m, r := c.Nodes[0], c.Nodes[3]
	m.Kill()
	if role := c.Role(m); role != "" {
		t.Fatalf("Role of a killed node = %q, want \"\"", role)
	}
	waitFor(t, "the replica promoted", func() bool { return c.Role(r) == "master" })
	c.WaitOK()
	m.Start()
	waitFor(t, "the old master replicating its successor", func() bool {
		return slices.Equal(c.ReplicasOf(r), []*testenv.Server{m})
	})
	c.WaitOK()
	if got := c.Masters(); !slices.Equal(got, []*testenv.Server{c.Nodes[1], c.Nodes[2], r}) {
		t.Fatalf("Masters() after the failover = %v", addrsOf(got))
	}
}

// With a password, the replicas authenticate to their masters.
func TestRedisClusterReplicasPassword(t *testing.T) {
	c := testenv.RedisCluster(t, 3, testenv.Replicas(1), testenv.Password("pw"))
	if got := c.ReplicasOf(c.Nodes[0]); !slices.Equal(got, []*testenv.Server{c.Nodes[3]}) {
		t.Fatalf("ReplicasOf(%s) = %v, want [%s]", c.Nodes[0].Addr, addrsOf(got), c.Nodes[3].Addr)
	}
}

func TestRedisClusterReplicasOption(t *testing.T) {
	f := &fakeTB{TB: t}
	f.run(func() { testenv.RedisCluster(f, 3, testenv.Replicas(-1)) })
	if !strings.Contains(f.fatal, "Replicas(-1)") {
		t.Fatalf("Fatalf = %q", f.fatal)
	}
	f = &fakeTB{TB: t}
	f.run(func() { testenv.Redis(f, testenv.Replicas(1)) })
	if !strings.Contains(f.fatal, "Replicas") {
		t.Fatalf("Redis with Replicas: Fatalf = %q", f.fatal)
	}
}

func addrsOf(servers []*testenv.Server) []string {
	out := make([]string, len(servers))
	for i, s := range servers {
		out[i] = s.Addr
	}
	return out
}

// waitFor polls cond until it holds, for at most a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
