package redis

import (
	"context"
	"iter"
)

// All returns an iterator over every element of the iteration, fetching
// pages as it goes; it stops early, with the error, when a page fails or
// ctx ends. It is for goroutine code (it waits with Await): on a loop
// goroutine it yields future.ErrAwaitOnLoop.
//
//	for key, err := range c.Scan(redis.ScanOptions{Match: "user:*"}).All(ctx) {
//		if err != nil { ... }
//	}
func (s *Scanner) All(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for !s.done {
			page, err := s.Next().Await(ctx)
			if err != nil {
				yield("", err)
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}
