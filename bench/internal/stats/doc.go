// Package stats summarises repeated benchmark runs: the median, which the
// reports show as the figure, and the minimum and maximum, which show the
// spread.
package stats
