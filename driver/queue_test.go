package driver

import "testing"

// TestRing checks the queue against a slice through growth and wrap-around.
func TestRing(t *testing.T) {
	var q ring[int]
	var model []int
	v := 0
	for round := range 60 {
		for range round % 13 {
			q.push(v)
			model = append(model, v)
			v++
		}
		for range round % 7 {
			if len(model) == 0 {
				break
			}
			if got := q.pop(); got != model[0] {
				t.Fatalf("pop %d, want %d", got, model[0])
			}
			model = model[1:]
		}
		if round%5 == 4 && len(model) > 2 {
			i := len(model) / 2
			cut := q.cut(i)
			if len(cut) != len(model)-i || cut[0] != model[i] || cut[len(cut)-1] != model[len(model)-1] {
				t.Fatalf("cut(%d) = %v, want %v", i, cut, model[i:])
			}
			model = model[:i]
		}
		if round%6 == 5 {
			q.remove(func(x int) bool { return x%3 == 0 })
			kept := model[:0]
			for _, x := range model {
				if x%3 != 0 {
					kept = append(kept, x)
				}
			}
			model = kept
		}
		if q.len() != len(model) {
			t.Fatalf("len %d, want %d", q.len(), len(model))
		}
		for i := range model {
			if q.at(i) != model[i] {
				t.Fatalf("at(%d) = %d, want %d", i, q.at(i), model[i])
			}
		}
	}
	got := q.take()
	if len(got) != len(model) || q.len() != 0 {
		t.Fatalf("take: %v, want %v", got, model)
	}
}
