package dns

import (
	"net"
	"slices"
)

// sortMX orders MX records by preference, shuffling equal preferences.
func (r *Resolver) sortMX(mx []*net.MX) {
	r.rng.Shuffle(len(mx), func(i, j int) { mx[i], mx[j] = mx[j], mx[i] })
	slices.SortStableFunc(mx, func(a, b *net.MX) int { return int(a.Pref) - int(b.Pref) })
}

// sortSRV orders SRV records by priority and, within one priority, by
// repeated weighted draws (RFC 2782): each position takes a record with
// probability proportional to its weight among those left; zero-weight
// records come after the others, in random order.
func (r *Resolver) sortSRV(srv []*net.SRV) {
	r.rng.Shuffle(len(srv), func(i, j int) { srv[i], srv[j] = srv[j], srv[i] })
	slices.SortStableFunc(srv, func(a, b *net.SRV) int { return int(a.Priority) - int(b.Priority) })
	for i := 0; i < len(srv); {
		j := i + 1
		for j < len(srv) && srv[j].Priority == srv[i].Priority {
			j++
		}
		r.weighted(srv[i:j])
		i = j
	}
}

func (r *Resolver) weighted(group []*net.SRV) {
	total := 0
	for _, s := range group {
		total += int(s.Weight)
	}
	for k := range group {
		if total == 0 {
			return
		}
		pick := r.rng.IntN(total)
		for m := k; m < len(group); m++ {
			pick -= int(group[m].Weight)
			if pick < 0 {
				total -= int(group[m].Weight)
				group[k], group[m] = group[m], group[k]
				break
			}
		}
	}
}
