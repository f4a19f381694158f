package procfs

import "errors"

// ErrMalformedStat reports /proc/PID/stat contents that do not have the
// expected shape. Test with errors.Is.
var ErrMalformedStat = errors.New("procfs: malformed stat")

// ErrMalformedStatus reports a /proc/PID/status line whose value is not a
// number of kB. Test with errors.Is.
var ErrMalformedStatus = errors.New("procfs: malformed status")
