package testenv

import (
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// The harness must leave no goroutines or descriptors behind, apart from
// its process spawner, which leakcheck knows.
func TestMain(m *testing.M) { leakcheck.Main(m) }
