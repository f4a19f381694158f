package redis

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"time"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// refresh asks for a topology refresh, rate-limited: one at a time, and
// at most one start per MinRefreshInterval while there is a map.
// Loop-only.
func (c *ClusterClient) refresh() {
	switch {
	case c.closed || c.delayed != nil:
	case c.refreshing:
		c.again = true
	default:
		wait := time.Until(c.last.Add(c.opts.MinRefreshInterval))
		if wait > 0 && c.slots != nil {
			c.delayed = c.loop.AfterFunc(wait, func() {
				c.delayed = nil
				c.startRefresh()
			})
			return
		}
		c.startRefresh()
	}
}

// startRefresh asks the known masters, in random order, then the seeds,
// for the slot map, until one answers. The masters whose connections are
// up go first: a question to a node that went away would wait for its
// next connection attempt, up to MaxBackoff (or DialTimeout), and hold up
// every refresh behind it, while the others could answer at once.
// Loop-only.
func (c *ClusterClient) startRefresh() {
	if c.closed || c.refreshing {
		return
	}
	c.refreshing, c.again = true, false
	c.last = time.Now()
	c.refreshes.Add(1)
	var cands []string
	seen := map[string]bool{}
	for addr := range c.nodes {
		cands = append(cands, addr)
		seen[addr] = true
	}
	rand.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	rank := func(addr string) int {
		if c.nodes[addr].conn.State() == driver.StateReady {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(cands, func(a, b string) int { return cmp.Compare(rank(a), rank(b)) })
	for _, s := range c.seeds {
		if !seen[s] {
			cands = append(cands, s)
			seen[s] = true
		}
	}
	c.tryRefresh(cands, nil)
}

// tryRefresh asks cands[0], then the others in turn. Loop-only.
func (c *ClusterClient) tryRefresh(cands []string, errs []error) {
	if c.closed {
		return
	}
	if len(cands) == 0 {
		c.refreshDone(nil, errors.Join(errs...))
		return
	}
	addr := cands[0]
	c.fetchTopology(c.node(addr)).OnSettle(func(ranges []slotRange, err error) {
		if err == nil && len(ranges) == 0 {
			err = errors.New("no slot is served")
		}
		if err != nil {
			c.tryRefresh(cands[1:], append(errs, fmt.Errorf("%s: %w", addr, err)))
			return
		}
		c.refreshDone(ranges, nil)
	})
}

// fetchTopology asks n for CLUSTER SHARDS, or CLUSTER SLOTS if it does not
// know that command.
func (c *ClusterClient) fetchTopology(n *Client) *future.Future[[]slotRange] {
	host, _, _ := net.SplitHostPort(n.addr)
	tls := c.opts.TLSConfig != nil
	shards := future.Then(n.read(shardsCmd), func(v resp.Value) ([]slotRange, error) {
		return parseShards(v, host, tls)
	})
	f := shards.CatchFuture(func(err error) *future.Future[[]slotRange] {
		var re *Error
		if !errors.As(err, &re) {
			return future.Rejected[[]slotRange](c.loop, err)
		}
		return future.Then(n.read(slotsCmd), func(v resp.Value) ([]slotRange, error) {
			return parseSlots(v, host)
		})
	})
	return future.Timeout(f, c.opts.DialTimeout)
}

var (
	shardsCmd = resp.AppendCommand(nil, "CLUSTER", "SHARDS")
	slotsCmd  = resp.AppendCommand(nil, "CLUSTER", "SLOTS")
)

// refreshDone installs a new slot map, closes the connections to nodes
// that are no longer masters, and lets waiting commands go. Loop-only.
func (c *ClusterClient) refreshDone(ranges []slotRange, err error) {
	c.refreshing = false
	if c.closed {
		return
	}
	if err != nil {
		c.refreshErrs.Add(1)
		if c.slots == nil {
			c.fail(fmt.Errorf("%w: %w", ErrClusterDown, err))
		} else {
			ps := c.refreshed
			c.refreshed = nil
			for _, p := range ps {
				p.Reject(fmt.Errorf("%w: %w", ErrClusterDown, err))
			}
		}
	} else {
		slots := make([]*Client, SlotCount)
		masters := map[*Client]bool{}
		for _, r := range ranges {
			n := c.node(r.addr)
			masters[n] = true
			for s := r.start; s <= r.end; s++ {
				slots[s] = n
			}
		}
		c.slots = slots
		for addr, n := range c.nodes {
			if !masters[n] {
				delete(c.nodes, addr)
				n.Quit() // commands in flight there still get their replies
			}
		}
		ws, ps := c.waiting, c.refreshed
		c.waiting, c.refreshed = nil, nil
		for _, w := range ws {
			w(nil)
		}
		for _, p := range ps {
			p.Resolve(struct{}{})
		}
	}
	if c.again {
		c.refresh()
	}
}
