package future_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/eddy-go/eddy/future"
)

// The examples use a nil Executor, whose callbacks run inline, so that
// their output is deterministic; in eddy code, pass the *eddy.Loop.

func Example() {
	f, p := future.New[string](nil)
	n := future.Then(f, strconv.Atoi)
	doubled := future.Map(n, func(v int) int { return v * 2 })
	safe := doubled.Catch(func(err error) (int, error) { return -1, nil })

	go p.Resolve("21") // a producer may settle from any goroutine

	v, err := safe.Await(context.Background())
	fmt.Println(v, err)
	// Output: 42 <nil>
}

// A future owned by a loop runs its callbacks on that loop; Await, from
// a goroutine, waits for the result.
func Example_loop() {
	loop := startLoop() // stands in for an *eddy.Loop
	defer loop.Close()

	f, p := future.New[int](loop)
	g := future.Map(f, func(v int) string {
		return fmt.Sprintf("%d on the loop: %v", v, loop.OnLoop())
	})
	go p.Resolve(7)
	s, _ := g.Await(context.Background())
	fmt.Println(s)
	// Output: 7 on the loop: true
}

func ExampleThenFuture() {
	lookup := func(id int) *future.Future[string] {
		return future.Resolved[string](nil, "user-"+strconv.Itoa(id))
	}
	name := future.ThenFuture(future.Resolved[int](nil, 7), lookup)
	fmt.Println(name.Await(context.Background()))
	// Output: user-7 <nil>
}

func ExampleFuture_Catch() {
	errNotFound := errors.New("not found")
	f := future.Rejected[int](nil, fmt.Errorf("get key: %w", errNotFound))
	v := f.Catch(func(err error) (int, error) {
		if errors.Is(err, errNotFound) {
			return 0, nil // recover with a default
		}
		return 0, err // pass anything else through
	})
	fmt.Println(v.Await(context.Background()))
	// Output: 0 <nil>
}

func ExampleFuture_Finally() {
	f := future.Rejected[int](nil, errors.New("boom")).Finally(func() { fmt.Println("cleanup") })
	_, err := f.Await(context.Background())
	fmt.Println(err)
	// Output:
	// cleanup
	// boom
}

func ExampleTapFuture() {
	audit := func(v int) *future.Future[struct{}] {
		fmt.Println("audit", v) // the chain waits for this future
		return future.Resolved[struct{}](nil, struct{}{})
	}
	f := future.TapFuture(future.Resolved[int](nil, 3), audit)
	fmt.Println(f.Await(context.Background()))
	// Output:
	// audit 3
	// 3 <nil>
}

func ExampleAll() {
	a, pa := future.New[int](nil)
	b, pb := future.New[int](nil)
	all := future.All(a, b)
	pb.Resolve(2) // order of settlement does not matter
	pa.Resolve(1)
	fmt.Println(all.Await(context.Background()))
	// Output: [1 2] <nil>
}

func ExampleAllSettled() {
	res, _ := future.AllSettled(
		future.Resolved[int](nil, 1),
		future.Rejected[int](nil, errors.New("no")),
	).Await(context.Background())
	for _, r := range res {
		fmt.Println(r.Value, r.Err)
	}
	// Output:
	// 1 <nil>
	// 0 no
}

func ExampleAny() {
	_, err := future.Any(
		future.Rejected[int](nil, errors.New("replica 1 down")),
		future.Rejected[int](nil, errors.New("replica 2 down")),
	).Await(context.Background())
	fmt.Println(err)
	v, _ := future.Any(future.Rejected[int](nil, errors.New("down")), future.Resolved[int](nil, 5)).Await(context.Background())
	fmt.Println(v)
	// Output:
	// future: all 2 futures failed: replica 1 down; replica 2 down
	// 5
}

func ExampleRace() {
	slow, _ := future.New[string](nil)
	fast := future.Resolved[string](nil, "fast")
	fmt.Println(future.Race(slow, fast).Await(context.Background()))
	fmt.Println(slow.Await(context.Background())) // the loser was cancelled
	// Output:
	// fast <nil>
	//  future: canceled: context canceled
}

func ExampleTimeout() {
	f, p := future.New[int](nil)
	p.OnCancel(func(cause error) { fmt.Println("producer told:", cause) })
	_, err := future.Timeout(f, 10*time.Millisecond).Await(context.Background())
	fmt.Println(err, errors.Is(err, context.DeadlineExceeded))
	// Output:
	// producer told: future: timeout after 10ms
	// future: timeout after 10ms true
}

func ExamplePromise_OnCancel() {
	f, p := future.New[string](nil)
	p.OnCancel(func(cause error) { fmt.Println("dropping request:", cause) })
	reply := future.Map(f, func(s string) int { return len(s) })
	reply.Cancel(errors.New("client went away"))
	fmt.Println(p.Resolve("late"))
	// Output:
	// dropping request: client went away
	// false
}

func ExampleFuture_WithContext() {
	f, p := future.New[int](nil)
	p.OnCancel(func(cause error) { fmt.Println("cancelled:", cause) })
	ctx, cancel := context.WithCancel(context.Background())
	g := f.WithContext(ctx)
	cancel()
	_, err := g.Await(context.Background())
	fmt.Println(errors.Is(err, future.ErrCanceled), errors.Is(err, context.Canceled))
	// Output:
	// cancelled: context canceled
	// true true
}

func ExampleFuture_Await() {
	loop := startLoop() // stands in for an *eddy.Loop
	defer loop.Close()
	done := make(chan error)
	_ = loop.Post(func() {
		_, err := future.Resolved(loop, 1).Await(context.Background())
		done <- err
	})
	fmt.Println(<-done)
	// Output: future: Await called on an event loop goroutine
}

func ExampleEach() {
	future.Each(nil, []string{"a", "b"}, func(s string) *future.Future[struct{}] {
		fmt.Println("visit", s)
		return future.Resolved[struct{}](nil, struct{}{})
	})
	// Output:
	// visit a
	// visit b
}

func ExampleMapSlice() {
	lengths := future.MapSlice(nil, []string{"a", "bb"}, func(s string) *future.Future[int] {
		return future.Resolved[int](nil, len(s))
	})
	fmt.Println(lengths.Await(context.Background()))
	// Output: [1 2] <nil>
}

func ExampleReduce() {
	sum := future.Reduce(nil, []int{1, 2, 3}, 10, func(acc, v int) *future.Future[int] {
		return future.Resolved[int](nil, acc+v)
	})
	fmt.Println(sum.Await(context.Background()))
	// Output: 16 <nil>
}

func ExampleFilter() {
	odd := future.Filter(nil, []int{1, 2, 3}, func(v int) *future.Future[bool] {
		return future.Resolved[bool](nil, v%2 == 1)
	})
	fmt.Println(odd.Await(context.Background()))
	// Output: [1 3] <nil>
}

func ExampleMapLimit() {
	fetch := func(url string) *future.Future[int] {
		return future.Go(nil, func() (int, error) { return len(url), nil })
	}
	sizes := future.MapLimit(nil, []string{"a", "bb", "ccc"}, 2, fetch)
	fmt.Println(sizes.Await(context.Background()))
	// Output: [1 2 3] <nil>
}

func ExampleGo() {
	f := future.Go(nil, func() (int, error) { return strconv.Atoi("12") })
	fmt.Println(f.Await(context.Background()))
	// Output: 12 <nil>
}

func ExamplePromise_Run() {
	jobs := make(chan func(), 1) // a worker pool's queue
	f, p := future.New[int](nil)
	jobs <- func() { p.Run(func() (int, error) { return 6 * 7, nil }) }
	(<-jobs)() // a worker runs the job
	fmt.Println(f.Await(context.Background()))
	// Output: 42 <nil>
}

func ExampleFromChan() {
	ch := make(chan string, 1)
	ch <- "hello"
	fmt.Println(future.FromChan(nil, ch).Await(context.Background()))
	// Output: hello <nil>
}

func ExampleFuture_Chan() {
	f, p := future.New[int](nil)
	go p.Resolve(3)
	r := <-f.Chan()
	fmt.Println(r.Value, r.Err)
	// Output: 3 <nil>
}

func ExamplePromise_Follow() {
	f, p := future.New[int](nil)
	p.Follow(future.Resolved[int](nil, 9)) // settle as another future does
	fmt.Println(f.Await(context.Background()))
	// Output: 9 <nil>
}

func ExampleSetUnhandledRejectionHandler() {
	loop := startLoop() // stands in for an *eddy.Loop
	defer loop.Close()
	reported := make(chan error, 1)
	prev := future.SetUnhandledRejectionHandler(func(err error) { reported <- err })
	defer future.SetUnhandledRejectionHandler(prev)

	f, p := future.New[int](loop)
	future.Map(f, func(v int) int { return v }) // nobody consumes this
	p.Reject(errors.New("lost"))
	fmt.Println(<-reported)
	// Output: lost
}
