#!/usr/bin/env bash
# wine.sh runs eddy's core test suite for GOOS=windows under Wine, on the
# IOCP backend. It is idempotent: the first run installs Wine and a mingw
# cross compiler from Debian, builds the ProcessPrng shim (see
# scripts/wine/processprng.c) and makes a Wine prefix; later runs only test.
#
# Go 1.22 and later call bcryptprimitives.dll!ProcessPrng at start-up,
# which Wine 8 lacks: the shim exports it on top of BCryptGenRandom and is
# installed into the prefix's windows/system32.
#
# Usage: scripts/wine.sh [PACKAGE...]   (default: the core packages)
# Environment: EDDY_WINEPREFIX (default $HOME/.cache/eddy-wine),
# WINE_SETUP_ONLY=1 (prepare the prefix and stop).
set -euo pipefail

export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
export WINEPREFIX="${EDDY_WINEPREFIX:-$HOME/.cache/eddy-wine}"
export WINEDEBUG=-all
export WINEARCH=win64
# The shim is a native DLL; Wine has no builtin one of that name, but say
# so anyway in case a later Wine ships one without ProcessPrng.
export WINEDLLOVERRIDES="bcryptprimitives=n,b;mscoree=;mshtml="

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHIM_SRC="$ROOT/scripts/wine/processprng.c"

# binary:debian-package
APT_DEPS=(
	wine:wine
	x86_64-w64-mingw32-gcc:gcc-mingw-w64-x86-64-win32
)

log() { printf 'wine.sh: %s\n' "$*" >&2; }

source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

# setup_prefix makes the Wine prefix once and installs the shim whenever
# its source is newer than the installed copy.
setup_prefix() {
	local sys32="$WINEPREFIX/drive_c/windows/system32"
	if [[ ! -d $sys32 ]]; then
		log "creating Wine prefix $WINEPREFIX"
		mkdir -p "$WINEPREFIX"
		wineboot --init >/dev/null 2>&1 || wine wineboot --init >/dev/null 2>&1 || true
		wineserver -w || true
	fi
	[[ -d $sys32 ]] || {
		log "Wine prefix $WINEPREFIX has no system32"
		return 1
	}
	local dll="$sys32/bcryptprimitives.dll"
	if [[ ! -f $dll || $SHIM_SRC -nt $dll ]]; then
		log "building the ProcessPrng shim"
		local tmp
		tmp=$(mktemp -d)
		x86_64-w64-mingw32-gcc -shared -O2 -o "$tmp/bcryptprimitives.dll" "$SHIM_SRC" -Wl,--kill-at
		mv "$tmp/bcryptprimitives.dll" "$dll"
		rm -rf "$tmp"
	fi
}

main() {
	install_apt_deps
	setup_prefix
	if [[ ${WINE_SETUP_ONLY:-} == 1 ]]; then
		return 0
	fi
	local pkgs=("$@")
	if [[ ${#pkgs[@]} -eq 0 ]]; then
		# The core suite, and the packages above it that pass under Wine.
		# Left out: tlsx (passes, but takes a minute under Wine), and those
		# whose tests use t.TempDir, whose cleanup fails under Wine 8
		# (os.RemoveAll needs FileDispositionInformationEx): dns, driver,
		# fsx, httpserver, redis, web, internal/leakcheck.
		pkgs=(./ ./internal/poll/ ./future/ ./codec/... ./httpclient/ ./internal/loopthread/)
	fi
	cd "$ROOT"
	log "GOOS=windows go test ${pkgs[*]} under Wine"
	local status=0
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -count=1 -exec wine "${pkgs[@]}" || status=$?
	# Leave no wineserver behind for the next step of `make test`.
	wineserver -k >/dev/null 2>&1 || true
	return "$status"
}

main "$@"
