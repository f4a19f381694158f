package timerload

import "errors"

// ErrBadConfig reports a [Config] out of range. Test with errors.Is.
var ErrBadConfig = errors.New("timerload: bad config")
