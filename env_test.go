package eddy

import (
	"slices"
	"testing"
)

func TestLastEnv(t *testing.T) {
	for _, c := range []struct {
		fold     bool
		env, out []string
	}{
		{false, []string{"A=1", "B=2", "A=3"}, []string{"B=2", "A=3"}},
		{false, []string{"Path=x", "PATH=y"}, []string{"Path=x", "PATH=y"}},
		{true, []string{"Path=x", "PATH=y"}, []string{"PATH=y"}},
		{true, []string{`=C:=C:\a`, `=D:=D:\b`, `=C:=C:\c`}, []string{`=D:=D:\b`, `=C:=C:\c`}},
		{false, []string{"X", "X=1", "X"}, []string{"X", "X=1", "X"}},
		{false, nil, []string{}},
	} {
		if got := lastEnv(c.env, c.fold); !slices.Equal(got, c.out) {
			t.Errorf("lastEnv(%q, %v) = %q, want %q", c.env, c.fold, got, c.out)
		}
	}
}
