package leakcheck

import "testing"

// The package checks itself: its tests must end every goroutine they start.
func TestMain(m *testing.M) { Main(m) }
