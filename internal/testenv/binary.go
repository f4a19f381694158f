package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RequireEnv is the environment variable that turns a missing server from
// a skipped test into a failed one when set to "1".
const RequireEnv = "EDDY_REQUIRE_SERVERS"

// sbinDirs are searched after PATH, since a non-root PATH often lacks them
// and dnsmasq lives there.
var sbinDirs = []string{"/usr/local/sbin", "/usr/sbin", "/sbin"}

// BinDir returns the directory of cached server binaries that `make deps`
// fills: $EDDY_TESTBIN/bin, by default $HOME/.cache/eddy-testbin/bin.
func BinDir() string {
	root := os.Getenv("EDDY_TESTBIN")
	if root == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		root = filepath.Join(home, ".cache", "eddy-testbin")
	}
	return filepath.Join(root, "bin")
}

// LookPath finds a server binary the way the harness does: in [BinDir],
// then on PATH, then in the sbin directories. The error matches
// [ErrNotFound].
func LookPath(name string) (string, error) {
	candidates := []string{filepath.Join(BinDir(), name)}
	if p, err := exec.LookPath(name); err == nil {
		candidates = append(candidates, p)
	}
	for _, dir := range sbinDirs {
		candidates = append(candidates, filepath.Join(dir, name))
	}
	for _, p := range candidates {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s (looked in %s, PATH and %v)", ErrNotFound, name, BinDir(), sbinDirs)
}

// requireBinary returns the path of a server binary, or skips the test (or
// fails it under EDDY_REQUIRE_SERVERS=1) with advice on installing it.
// debPackage names the Debian package that holds it, if any.
func requireBinary(t testing.TB, name, debPackage string) string {
	t.Helper()
	p, err := LookPath(name)
	if err == nil {
		return p
	}
	hint := "run `make deps`"
	if debPackage != "" {
		hint += " or `apt-get install " + debPackage + "`"
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%v; %s (failing because %s=1)", err, hint, RequireEnv)
	}
	t.Skipf("%v; %s (skipped; set %s=1 to fail instead)", err, hint, RequireEnv)
	return ""
}
