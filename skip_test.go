package eddy

import (
	"runtime"
	"testing"
)

// skipOnWindows skips a test of something Windows does not have (Unix
// sockets, Unix signals), saying what.
func skipOnWindows(t testing.TB, what string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("not on Windows: " + what)
	}
}

// skipUnderWine skips a test that passes on Windows but not under Wine,
// which runs the Windows test suite here, saying which Wine limit it hits.
func skipUnderWine(t testing.TB, limit string) {
	t.Helper()
	if underWine() {
		t.Skip("under Wine: " + limit)
	}
}

// skipUnlessLinux skips a test of Linux behaviour, saying why it is
// Linux's alone.
func skipUnlessLinux(t testing.TB, why string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("Linux only: " + why)
	}
}
