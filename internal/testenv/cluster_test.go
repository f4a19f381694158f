package testenv_test

import (
	"slices"
	"strings"
	"testing"

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
