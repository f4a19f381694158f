package future

import "testing"

// countNode is a consumer that counts its runs.
type countNode struct {
	n    node
	runs int
}

func (c *countNode) fire(*node) *node             { c.runs++; return nil }
func (c *countNode) abort(n *node, _ error) *node { return c.fire(n) }

func newCountNode() *countNode {
	c := &countNode{}
	c.n.c = c
	return c
}

// An attach whose compare-and-swap loses to the settlement has already
// linked its node to the list the settler detached. Replayed here step by
// step: the attach that then finds the future settled must run its own
// node alone, not the consumers that the settler runs (the data race
// between queue.pushList and dropHooks, and consumers run twice).
func TestAttachAfterLostCASRunsAlone(t *testing.T) {
	for _, inc := range []int32{0, 1} {
		f, p := New[int](nil)
		a, b := newCountNode(), newCountNode()
		f.attach(&a.n)
		p.OnCancel(func(error) {}) // settling drops hooks: dropHooks relinks
		f.attach(&b.n)
		late := newCountNode()
		late.n.next = f.head.Load() // as the losing compare-and-swap left it
		p.Resolve(1)
		if f.link(&late.n, inc, false) {
			t.Fatal("attached to a settled future")
		}
		if late.n.next != nil {
			t.Error("next still points into the detached list")
		}
		runList(&late.n)
		if a.runs != 1 || b.runs != 1 || late.runs != 1 {
			t.Fatalf("runs: a %d, b %d, late %d; want 1 each", a.runs, b.runs, late.runs)
		}
	}
}
