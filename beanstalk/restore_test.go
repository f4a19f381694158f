package beanstalk_test

import (
	"slices"
	"testing"

	"github.com/eddy-go/eddy/beanstalk"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
)

// TestSessionRestoredAfterRestart changes the used tube and the watch
// list after connecting, restarts the server, and checks that the new
// connection has the session as it last was, not as it started.
func TestSessionRestoredAfterRestart(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{Tube: "a", Watch: []string{"x", "y"}})
	c := ctx(t)
	must[int](t)(s.Ignore(c, "x"))
	must[int](t)(s.Watch(c, "z"))
	must[int](t)(s.Watch(c, "default"))
	must[int](t)(s.Ignore(c, "y"))
	must[string](t)(s.Use(c, "b"))
	want := must[[]string](t)(s.ListTubesWatched(c))
	slices.Sort(want)
	srv.Restart()
	eventually(t, "reconnect", func() bool {
		_, err := s.Stats(c)
		return err == nil
	})
	if tube := must[string](t)(s.ListTubeUsed(c)); tube != "b" {
		t.Errorf("used %q after restart, want b", tube)
	}
	got := must[[]string](t)(s.ListTubesWatched(c))
	slices.Sort(got)
	if !slices.Equal(got, want) || !slices.Equal(want, []string{"default", "z"}) {
		t.Errorf("watching %q after restart, want %q", got, want)
	}
}
