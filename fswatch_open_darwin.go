package eddy

import "golang.org/x/sys/unix"

// watchOpenFlags opens a watched file for events only, so that the watch
// does not keep its volume from being unmounted.
const watchOpenFlags = unix.O_EVTONLY
