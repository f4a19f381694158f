// Package procfs reads the few Linux /proc figures the benchmarks need:
// a process's CPU time (utime+stime from /proc/PID/stat), its resident
// set size and peak (VmRSS and VmHWM from /proc/PID/status), and how many
// file descriptors it holds (/proc/PID/fd).
//
// The parsers ([ParseStat], [ParseStatus]) are pure functions over the
// file contents so they can be tested and fuzzed without a process; the
// readers ([ReadCPUTime], [ReadMemory], [CountFDs]) open the files.
//
// Portability: Linux only in practice; on systems without /proc the
// readers return the os error from opening the file.
package procfs
