package redis_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/eddy-go/eddy/redis"
)

// A ClusterClient is made from one or more seed nodes; it learns the slot
// map and sends each command to the master of its key's slot. (The stub
// server here is a one-node "cluster" serving every slot.)
func ExampleNewCluster() {
	loop, addr := startStub()
	defer loop.Stop()
	c, err := redis.NewCluster(loop, []string{addr}, redis.ClusterOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	s := c.Sync()
	ctx := context.Background()

	s.Set(ctx, "{user42}:name", "Ada", redis.SetOptions{})
	name, _ := s.Get(ctx, "{user42}:name")
	fmt.Println(name)
	// Keys that hash to different slots cannot go in one command.
	err = s.MSet(ctx, "a", "1", "b", "2")
	fmt.Println(errors.Is(err, redis.ErrCrossSlot))
	// Output:
	// Ada
	// true
}

// Hash tags put related keys in one slot.
func ExampleSlot() {
	fmt.Println(redis.Slot("{user42}:name") == redis.Slot("{user42}:mail"))
	fmt.Println(redis.Slot("123456789"))
	// Output:
	// true
	// 12739
}

// A Batch is sent in one go; on a cluster it is split per master, and the
// results come back in the batch's order.
func ExampleBatch() {
	loop, addr := startStub()
	defer loop.Stop()
	c, _ := redis.NewCluster(loop, []string{addr}, redis.ClusterOptions{})
	defer c.Close()

	var b redis.Batch
	b.Do("SET", "x", "1")
	b.Do("INCR", "x")
	get := b.Do("GET", "x")
	res, _ := c.Exec(&b).Await(context.Background())
	v, _ := res[get].Value.Str()
	fmt.Println(len(res), v)
	// Output: 3 2
}

// Code written against Commander works with a Client and a ClusterClient.
func ExampleCommander() {
	loop, addr := startStub()
	defer loop.Stop()
	one, _ := redis.Dial(loop, addr, redis.Options{})
	defer one.Close()
	many, _ := redis.NewCluster(loop, []string{addr}, redis.ClusterOptions{})
	defer many.Close()

	hit := func(c redis.Commander) int64 {
		v, _ := c.Do("INCR", "hits").Await(context.Background())
		n, _ := v.Int()
		return n
	}
	fmt.Println(hit(one), hit(many))
	// Output: 1 2
}
