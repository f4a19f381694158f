package redis

// ClusterSync is the blocking facade of a ClusterClient, for goroutine
// code. It has the methods of Sync that a cluster supports (the typed
// helpers, Do, Run, Exec), each being the ClusterClient method of the same
// name followed by Await(ctx). Safe for concurrent use.
type ClusterSync struct {
	syncCmds
	cl *ClusterClient
}

// Client returns the ClusterClient that s wraps.
func (s *ClusterSync) Client() *ClusterClient { return s.cl }
