package httpserver

import (
	"context"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
)

// ServeForTest serves s on a group of n loops until the test ends, and
// returns its address and the group. Exported for the package's external
// tests (it exists in test builds only).
func ServeForTest(t *testing.T, s *Server, n int, opts ...eddy.GroupOption) (string, *eddy.Group) {
	t.Helper()
	g, err := eddy.NewGroup(append([]eddy.GroupOption{eddy.WithLoops(n)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := s.Serve(g, "tcp", "127.0.0.1:0")
	if err != nil {
		g.Stop()
		g.Run()
		t.Fatal(err)
	}
	g.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return addr.String(), g
}
