package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// findWineserver finds the wineserver of prefix: it works in
// /tmp/.wine-UID/server-DEV-INODE, after the prefix's device and inode.
func findWineserver(prefix string) (int, bool) {
	fi, err := os.Stat(prefix)
	if err != nil {
		return 0, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	suffix := fmt.Sprintf("/server-%x-%x", uint64(st.Dev), st.Ino)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil || !strings.HasPrefix(string(comm), "wineserver") {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && strings.HasSuffix(cwd, suffix) {
			return pid, true
		}
	}
	return 0, false
}
