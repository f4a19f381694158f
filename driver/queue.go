package driver

// ring is a FIFO queue on a circular buffer that grows as needed, so that a
// steady stream of requests allocates nothing once warmed up.
type ring[T any] struct {
	buf  []T
	head int
	n    int
}

func (q *ring[T]) len() int { return q.n }

func (q *ring[T]) push(v T) {
	if q.n == len(q.buf) {
		nb := make([]T, max(8, 2*len(q.buf)))
		for i := 0; i < q.n; i++ {
			nb[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = nb, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = v
	q.n++
}

func (q *ring[T]) at(i int) T { return q.buf[(q.head+i)%len(q.buf)] }

func (q *ring[T]) peek() T { return q.buf[q.head] }

func (q *ring[T]) pop() T {
	var zero T
	v := q.buf[q.head]
	q.buf[q.head] = zero
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return v
}

// cut removes the items from index i on and returns them in order.
func (q *ring[T]) cut(i int) []T {
	out := make([]T, 0, q.n-i)
	var zero T
	for j := i; j < q.n; j++ {
		k := (q.head + j) % len(q.buf)
		out = append(out, q.buf[k])
		q.buf[k] = zero
	}
	q.n = i
	return out
}

// remove drops the items for which drop reports true, keeping the others
// in order.
func (q *ring[T]) remove(drop func(T) bool) {
	n := q.n
	for range n {
		if v := q.pop(); !drop(v) {
			q.push(v)
		}
	}
}

// take empties the queue and returns its items in order.
func (q *ring[T]) take() []T {
	out := make([]T, 0, q.n)
	for q.n > 0 {
		out = append(out, q.pop())
	}
	return out
}
