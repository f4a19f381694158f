package servers

import "errors"

// ErrUnknownImpl reports an implementation name that [Serve] does not
// know. Test with errors.Is.
var ErrUnknownImpl = errors.New("servers: unknown implementation")
