package loopthread

import "golang.org/x/sys/windows"

func current() uint64 { return uint64(windows.GetCurrentThreadId()) }
