package pin

import "errors"

// ErrUnsupported is returned where CPU affinity cannot be set.
var ErrUnsupported = errors.New("pin: CPU pinning needs Linux")
