// Package redis is eddy's Redis client: futures for loop code, a blocking
// facade for goroutine code, both on one auto-pipelined connection.
//
// # Connections
//
// Dial returns a *Client bound to an event loop. Its connection is made on
// the loop, with a handshake after every connect: HELLO 3 (RESP3, falling
// back to RESP2 on servers that refuse it) or, with Options.Protocol 2,
// AUTH and CLIENT SETNAME; then SELECT. If the connection drops, it is
// made again with capped, jittered exponential backoff; commands in flight
// fail with an error matching ErrConnLost (a *driver.ConnError saying
// whether the command was written) and are never sent twice, except the
// read-only commands (GET, EXISTS, HGETALL, SCAN pages... as documented),
// which are sent again on the new connection.
//
// Every method is safe for concurrent use. The commands issued during one
// loop turn, by callbacks or by any number of goroutines, are written
// together with one write, and their replies are matched in order:
//
//	c, _ := redis.Dial(loop, "127.0.0.1:6379", redis.Options{})
//	f := c.Get("greeting") // *future.Future[string]
//	s := c.Sync()
//	v, err := s.Get(ctx, "greeting") // the same connection, blocking
//	if errors.Is(err, redis.Nil) { ... } // missing key
//
// # Commands
//
// Do sends any command and returns its reply as a resp.Value that stays
// valid for good. Typed helpers cover strings (Get, Set with SetOptions,
// Incr, MGet, MSet...), keys and expiry (Del, Exists, Expire, TTL...),
// hashes, lists, sets, sorted sets and streams (XAdd, XRead, XReadGroup,
// XAck). A null reply fails a helper with Nil where a value was expected.
// Server errors fail with an *Error (resp.RedisError) carrying the code.
//
// Script runs Lua with EVALSHA and falls back to EVAL on NOSCRIPT. Scan,
// HScan, SScan and ZScan return a Scanner that fetches a page per Next
// future; Scanner.All iterates in goroutine code.
//
// # Dedicated connections
//
// Commands that block the server (BLPop, BRPop, XRead with Block) run on a
// connection of their own, closed when the reply comes or the future is
// cancelled, so that they never stall the shared connection. Transactions
// (Multi, Watch, then Tx.Exec) run on one too, since WATCH and MULTI are
// connection state; that connection is never made again: once it drops,
// the Tx's commands fail with ErrConnLost.
//
// # Client-side caching
//
// With Options.CacheSize set (and RESP3), Get keeps recent values in an
// LRU on the client, and the server's key-tracking invalidations (CLIENT
// TRACKING) drop the keys that change elsewhere, so a repeated Get of a
// key nobody writes costs no round trip. Writes issued on the client drop
// the keys they name as they are issued; the cache is emptied while the
// connection is down.
//
// # Pub/sub
//
// Client.PubSub opens a subscriber on a connection of its own. Subscribe,
// PSubscribe and SSubscribe (and their Unsubscribe counterparts) resolve
// once the server confirms; messages, RESP3 pushes or RESP2 arrays alike,
// go to the handler on the loop. After a reconnect every subscription is
// made again before anything else.
//
// # Batches
//
// A Batch collects commands for Exec, which sends them during one loop
// turn and resolves to their results in order, each with its own error.
// On a single connection, auto-pipelining already writes them together;
// on a cluster, Exec splits the batch per master.
//
// # Redis Cluster
//
// NewCluster returns a *ClusterClient from seed addresses. It reads the
// slot map with CLUSTER SHARDS (CLUSTER SLOTS before Redis 7), keeps one
// auto-pipelined Client per master, and sends each command to the master
// of its keys' slot (Slot computes it: CRC16 of the key or of its {hash
// tag}, modulo 16384). It follows MOVED (updating the map and scheduling a
// refresh) and ASK (ASKING on the target, map unchanged) up to
// ClusterOptions.MaxRedirects times in a row, retries TRYAGAIN,
// CLUSTERDOWN and commands whose node could not be reached (until
// ClusterOptions.RetryTimeout or the caller's context ends), and
// refreshes the map after a node's connection drops and periodically,
// rate-limited. A command whose keys hash to different slots fails with
// ErrCrossSlot before it is sent.
//
// When a master dies, the commands for its slots (and, while the cluster
// says CLUSTERDOWN, every command) are retried until Redis promotes a
// replica and a refresh finds it, a few seconds, and then succeed. Those
// already written to the dead master when it died fail with ErrConnLost
// (they may have run), except read-only ones, which are retried too. A
// command whose context ends first fails with the context's error, and
// one still retried after RetryTimeout with ErrRetryTimeout; none hangs.
// A pipelined Batch behaves the same, command by command: those for the
// live masters are answered at once, the others once the failover is
// over, and Exec resolves when the last is. A write the dead master
// acknowledged may be lost, since Redis replicates asynchronously: WAIT
// sent after the write on that master's Client (see Masters), whose
// connection the write went over, confirms that a replica has it. A
// manual failover (CLUSTER FAILOVER on a replica) goes unnoticed: the old
// master answers MOVED, which the command follows.
//
// ClusterClient has Do and the typed helpers of Client; code that works
// with both can take a Commander. Its blocking facade is ClusterSync.
// Masters returns the masters' Clients for per-node work (SCAN, FLUSHALL).
// Blocking commands and transactions are per node.
//
// ClusterClient.PubSub returns a ClusterPubSub, which subscribes each
// shard channel (SSubscribe) on the master of its slot and the channels
// and patterns on one master, and follows the cluster: when a connection
// drops or its node dies, the map is refreshed (rate-limited) and every
// subscription it held is made again where the map now says, the shard
// channels on their slot's new master (a promoted replica) and the
// others on any reachable master; a shard channel that a node
// unsubscribes by itself (its slot migrated) or refuses with MOVED moves
// the same way. A subscription made while its node is down resolves once
// the cluster has healed; bound it with Await's context. Messages
// published while no connection was subscribed are lost: pub/sub keeps
// nothing. A Client.PubSub on one node's Client (see Masters) stays with
// that node instead.
//
// # TLS
//
// Options.TLSConfig runs every connection (shared, dedicated, pub/sub,
// cluster nodes) over TLS with the tlsx layer; the server's certificate is
// verified unless InsecureSkipVerify is set.
package redis
