//go:build race

package tlsx_test

// raceEnabled reports a build with the race detector, under which the
// heavier tests scale down.
const raceEnabled = true
