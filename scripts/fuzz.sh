#!/usr/bin/env bash
# fuzz.sh runs every Fuzz target of the given packages (default ./...) for
# $FUZZTIME each (default 10s), one at a time, and stops at the first one
# that fails. New crashers land in the package's testdata/fuzz/FuzzXxx/:
# fix the bug and commit the file as a seed.
#
#   FUZZTIME=60s scripts/fuzz.sh ./codec/...
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/go/bin"
FUZZTIME="${FUZZTIME:-10s}"
[[ $# -gt 0 ]] || set -- ./...

# `go test -list` prints each package's matching names, then its
# "ok <package> <time>" line; pair them up as "package name".
list=$(go test -list '^Fuzz' "$@")
targets=$(awk '
	/^Fuzz/ { names[n++] = $1; next }
	/^ok/   { for (i = 0; i < n; i++) print $2, names[i]; n = 0 }
' <<<"$list")

if [[ -z $targets ]]; then
	echo "fuzz: no Fuzz targets in $*"
	exit 0
fi
count=$(wc -l <<<"$targets")
echo "fuzz: $count target(s), $FUZZTIME each"
while read -r pkg name; do
	echo "=== $pkg $name"
	go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "$pkg"
done <<<"$targets"
