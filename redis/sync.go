package redis

import (
	"context"
	"time"

	"github.com/eddy-go/eddy/codec/resp"
)

// Sync is the blocking facade of a Client, for goroutine code. It shares
// the Client's auto-pipelined connection: the commands of many goroutines
// are written together. Each method is the Client method of the same name
// followed by Await(ctx): when ctx ends first, the method returns ctx's
// error and the command is cancelled (see driver.Conn.Call). Calling one on
// a loop goroutine returns future.ErrAwaitOnLoop. Safe for concurrent use.
type Sync struct {
	syncCmds
	cl *Client
}

// syncCmds is the blocking facade of the commands Client and
// ClusterClient share; Sync and ClusterSync embed it.
type syncCmds struct{ c *cmds }

// Client returns the Client that s wraps.
func (s *Sync) Client() *Client { return s.cl }

// Do is Client.Do, waiting for the reply.
func (s *syncCmds) Do(ctx context.Context, args ...any) (resp.Value, error) {
	return s.c.Do(args...).Await(ctx)
}

// BLPop is Client.BLPop, waiting for the reply.
func (s *Sync) BLPop(ctx context.Context, timeout time.Duration, keys ...string) (KeyValue, error) {
	return s.cl.BLPop(timeout, keys...).Await(ctx)
}

// BRPop is Client.BRPop, waiting for the reply.
func (s *Sync) BRPop(ctx context.Context, timeout time.Duration, keys ...string) (KeyValue, error) {
	return s.cl.BRPop(timeout, keys...).Await(ctx)
}

// HSet is Client.HSet, waiting for the reply.
func (s *syncCmds) HSet(ctx context.Context, key string, fv ...string) (int64, error) {
	return s.c.HSet(key, fv...).Await(ctx)
}

// HGet is Client.HGet, waiting for the reply.
func (s *syncCmds) HGet(ctx context.Context, key, field string) (string, error) {
	return s.c.HGet(key, field).Await(ctx)
}

// HMGet is Client.HMGet, waiting for the reply.
func (s *syncCmds) HMGet(ctx context.Context, key string, fields ...string) ([]NullString, error) {
	return s.c.HMGet(key, fields...).Await(ctx)
}

// HGetAll is Client.HGetAll, waiting for the reply.
func (s *syncCmds) HGetAll(ctx context.Context, key string) (map[string]string, error) {
	return s.c.HGetAll(key).Await(ctx)
}

// HDel is Client.HDel, waiting for the reply.
func (s *syncCmds) HDel(ctx context.Context, key string, fields ...string) (int64, error) {
	return s.c.HDel(key, fields...).Await(ctx)
}

// HExists is Client.HExists, waiting for the reply.
func (s *syncCmds) HExists(ctx context.Context, key, field string) (bool, error) {
	return s.c.HExists(key, field).Await(ctx)
}

// HIncrBy is Client.HIncrBy, waiting for the reply.
func (s *syncCmds) HIncrBy(ctx context.Context, key, field string, n int64) (int64, error) {
	return s.c.HIncrBy(key, field, n).Await(ctx)
}

// HLen is Client.HLen, waiting for the reply.
func (s *syncCmds) HLen(ctx context.Context, key string) (int64, error) {
	return s.c.HLen(key).Await(ctx)
}

// HKeys is Client.HKeys, waiting for the reply.
func (s *syncCmds) HKeys(ctx context.Context, key string) ([]string, error) {
	return s.c.HKeys(key).Await(ctx)
}

// Del is Client.Del, waiting for the reply.
func (s *syncCmds) Del(ctx context.Context, keys ...string) (int64, error) {
	return s.c.Del(keys...).Await(ctx)
}

// Exists is Client.Exists, waiting for the reply.
func (s *syncCmds) Exists(ctx context.Context, keys ...string) (int64, error) {
	return s.c.Exists(keys...).Await(ctx)
}

// Expire is Client.Expire, waiting for the reply.
func (s *syncCmds) Expire(ctx context.Context, key string, d time.Duration) (bool, error) {
	return s.c.Expire(key, d).Await(ctx)
}

// Persist is Client.Persist, waiting for the reply.
func (s *syncCmds) Persist(ctx context.Context, key string) (bool, error) {
	return s.c.Persist(key).Await(ctx)
}

// TTL is Client.TTL, waiting for the reply.
func (s *syncCmds) TTL(ctx context.Context, key string) (time.Duration, error) {
	return s.c.TTL(key).Await(ctx)
}

// Type is Client.Type, waiting for the reply.
func (s *syncCmds) Type(ctx context.Context, key string) (string, error) {
	return s.c.Type(key).Await(ctx)
}

// Rename is Client.Rename, waiting for the reply.
func (s *syncCmds) Rename(ctx context.Context, key, newKey string) error {
	_, err := s.c.Rename(key, newKey).Await(ctx)
	return err
}

// Ping is Client.Ping, waiting for the reply.
func (s *syncCmds) Ping(ctx context.Context) error {
	_, err := s.c.Ping().Await(ctx)
	return err
}

// LPush is Client.LPush, waiting for the reply.
func (s *syncCmds) LPush(ctx context.Context, key string, values ...string) (int64, error) {
	return s.c.LPush(key, values...).Await(ctx)
}

// RPush is Client.RPush, waiting for the reply.
func (s *syncCmds) RPush(ctx context.Context, key string, values ...string) (int64, error) {
	return s.c.RPush(key, values...).Await(ctx)
}

// LPop is Client.LPop, waiting for the reply.
func (s *syncCmds) LPop(ctx context.Context, key string) (string, error) {
	return s.c.LPop(key).Await(ctx)
}

// RPop is Client.RPop, waiting for the reply.
func (s *syncCmds) RPop(ctx context.Context, key string) (string, error) {
	return s.c.RPop(key).Await(ctx)
}

// LRange is Client.LRange, waiting for the reply.
func (s *syncCmds) LRange(ctx context.Context, key string, start, stop int64) ([]string, error) {
	return s.c.LRange(key, start, stop).Await(ctx)
}

// LLen is Client.LLen, waiting for the reply.
func (s *syncCmds) LLen(ctx context.Context, key string) (int64, error) {
	return s.c.LLen(key).Await(ctx)
}

// LIndex is Client.LIndex, waiting for the reply.
func (s *syncCmds) LIndex(ctx context.Context, key string, index int64) (string, error) {
	return s.c.LIndex(key, index).Await(ctx)
}

// LRem is Client.LRem, waiting for the reply.
func (s *syncCmds) LRem(ctx context.Context, key string, count int64, value string) (int64, error) {
	return s.c.LRem(key, count, value).Await(ctx)
}

// SAdd is Client.SAdd, waiting for the reply.
func (s *syncCmds) SAdd(ctx context.Context, key string, members ...string) (int64, error) {
	return s.c.SAdd(key, members...).Await(ctx)
}

// SRem is Client.SRem, waiting for the reply.
func (s *syncCmds) SRem(ctx context.Context, key string, members ...string) (int64, error) {
	return s.c.SRem(key, members...).Await(ctx)
}

// SMembers is Client.SMembers, waiting for the reply.
func (s *syncCmds) SMembers(ctx context.Context, key string) ([]string, error) {
	return s.c.SMembers(key).Await(ctx)
}

// SIsMember is Client.SIsMember, waiting for the reply.
func (s *syncCmds) SIsMember(ctx context.Context, key, member string) (bool, error) {
	return s.c.SIsMember(key, member).Await(ctx)
}

// SCard is Client.SCard, waiting for the reply.
func (s *syncCmds) SCard(ctx context.Context, key string) (int64, error) {
	return s.c.SCard(key).Await(ctx)
}

// XAdd is Client.XAdd, waiting for the reply.
func (s *syncCmds) XAdd(ctx context.Context, key, id string, fields ...string) (string, error) {
	return s.c.XAdd(key, id, fields...).Await(ctx)
}

// XLen is Client.XLen, waiting for the reply.
func (s *syncCmds) XLen(ctx context.Context, key string) (int64, error) {
	return s.c.XLen(key).Await(ctx)
}

// XGroupCreate is Client.XGroupCreate, waiting for the reply.
func (s *syncCmds) XGroupCreate(ctx context.Context, key, group, id string, mkStream bool) error {
	_, err := s.c.XGroupCreate(key, group, id, mkStream).Await(ctx)
	return err
}

// XAck is Client.XAck, waiting for the reply.
func (s *syncCmds) XAck(ctx context.Context, key, group string, ids ...string) (int64, error) {
	return s.c.XAck(key, group, ids...).Await(ctx)
}

// XRead is Client.XRead, waiting for the reply.
func (s *Sync) XRead(ctx context.Context, a XReadArgs) ([]XStream, error) {
	return s.cl.XRead(a).Await(ctx)
}

// XReadGroup is Client.XReadGroup, waiting for the reply.
func (s *Sync) XReadGroup(ctx context.Context, group, consumer string, a XReadArgs) ([]XStream, error) {
	return s.cl.XReadGroup(group, consumer, a).Await(ctx)
}

// Get is Client.Get, waiting for the reply.
func (s *syncCmds) Get(ctx context.Context, key string) (string, error) {
	return s.c.Get(key).Await(ctx)
}

// Set is Client.Set, waiting for the reply.
func (s *syncCmds) Set(ctx context.Context, key, value string, o SetOptions) (bool, error) {
	return s.c.Set(key, value, o).Await(ctx)
}

// GetDel is Client.GetDel, waiting for the reply.
func (s *syncCmds) GetDel(ctx context.Context, key string) (string, error) {
	return s.c.GetDel(key).Await(ctx)
}

// Incr is Client.Incr, waiting for the reply.
func (s *syncCmds) Incr(ctx context.Context, key string) (int64, error) {
	return s.c.Incr(key).Await(ctx)
}

// IncrBy is Client.IncrBy, waiting for the reply.
func (s *syncCmds) IncrBy(ctx context.Context, key string, n int64) (int64, error) {
	return s.c.IncrBy(key, n).Await(ctx)
}

// Decr is Client.Decr, waiting for the reply.
func (s *syncCmds) Decr(ctx context.Context, key string) (int64, error) {
	return s.c.Decr(key).Await(ctx)
}

// IncrByFloat is Client.IncrByFloat, waiting for the reply.
func (s *syncCmds) IncrByFloat(ctx context.Context, key string, x float64) (float64, error) {
	return s.c.IncrByFloat(key, x).Await(ctx)
}

// Append is Client.Append, waiting for the reply.
func (s *syncCmds) Append(ctx context.Context, key, value string) (int64, error) {
	return s.c.Append(key, value).Await(ctx)
}

// StrLen is Client.StrLen, waiting for the reply.
func (s *syncCmds) StrLen(ctx context.Context, key string) (int64, error) {
	return s.c.StrLen(key).Await(ctx)
}

// MGet is Client.MGet, waiting for the reply.
func (s *syncCmds) MGet(ctx context.Context, keys ...string) ([]NullString, error) {
	return s.c.MGet(keys...).Await(ctx)
}

// MSet is Client.MSet, waiting for the reply.
func (s *syncCmds) MSet(ctx context.Context, kv ...string) error {
	_, err := s.c.MSet(kv...).Await(ctx)
	return err
}

// ZAdd is Client.ZAdd, waiting for the reply.
func (s *syncCmds) ZAdd(ctx context.Context, key string, members ...Z) (int64, error) {
	return s.c.ZAdd(key, members...).Await(ctx)
}

// ZScore is Client.ZScore, waiting for the reply.
func (s *syncCmds) ZScore(ctx context.Context, key, member string) (float64, error) {
	return s.c.ZScore(key, member).Await(ctx)
}

// ZIncrBy is Client.ZIncrBy, waiting for the reply.
func (s *syncCmds) ZIncrBy(ctx context.Context, key string, x float64, member string) (float64, error) {
	return s.c.ZIncrBy(key, x, member).Await(ctx)
}

// ZRem is Client.ZRem, waiting for the reply.
func (s *syncCmds) ZRem(ctx context.Context, key string, members ...string) (int64, error) {
	return s.c.ZRem(key, members...).Await(ctx)
}

// ZCard is Client.ZCard, waiting for the reply.
func (s *syncCmds) ZCard(ctx context.Context, key string) (int64, error) {
	return s.c.ZCard(key).Await(ctx)
}

// ZRange is Client.ZRange, waiting for the reply.
func (s *syncCmds) ZRange(ctx context.Context, key string, start, stop int64) ([]string, error) {
	return s.c.ZRange(key, start, stop).Await(ctx)
}

// ZRangeWithScores is Client.ZRangeWithScores, waiting for the reply.
func (s *syncCmds) ZRangeWithScores(ctx context.Context, key string, start, stop int64) ([]Z, error) {
	return s.c.ZRangeWithScores(key, start, stop).Await(ctx)
}

// Run is Script.Run on s's Client, waiting for the reply.
func (s *syncCmds) Run(ctx context.Context, sc *Script, keys []string, args ...any) (resp.Value, error) {
	return sc.Run(s.c, keys, args...).Await(ctx)
}

// Eval is Client.Eval, waiting for the reply.
func (s *syncCmds) Eval(ctx context.Context, src string, keys []string, args ...any) (resp.Value, error) {
	return s.c.Eval(src, keys, args...).Await(ctx)
}

// Publish is Client.Publish, waiting for the reply.
func (s *syncCmds) Publish(ctx context.Context, channel, message string) (int64, error) {
	return s.c.Publish(channel, message).Await(ctx)
}

// SPublish is Client.SPublish, waiting for the reply.
func (s *syncCmds) SPublish(ctx context.Context, channel, message string) (int64, error) {
	return s.c.SPublish(channel, message).Await(ctx)
}
