// Package timerload schedules many one-shot timers with random delays and
// measures what it costs: the wall time to create them, the process CPU
// time until the last one fired, and how late the last one fired. The
// same workload runs on the standard library's time.AfterFunc ([RunStd])
// and on an eddy loop's timers ([RunEddy]).
//
// Each run is meant to be the only work of its process, so that the
// process's CPU time and peak RSS (read by the caller) belong to it.
package timerload
