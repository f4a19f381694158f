//go:build !unix

package beanstalk_test

import "errors"

// drain would put beanstalkd into drain mode with SIGUSR1, which this
// system lacks; beanstalkd itself runs only on Unix.
func drain(pid int) error { return errors.ErrUnsupported }
