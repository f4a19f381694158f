#!/usr/bin/env bash
# deps.sh installs the real servers that eddy's tests start (see
# internal/testenv). It is idempotent and returns at once when everything is
# already there, so `make test` runs it every time.
#
# Two kinds of servers:
#
#   * Debian packages (APT_DEPS below): "binary:package" pairs. Missing
#     binaries are installed with one `apt-get update` and one
#     `apt-get install`. Package scripts are kept from starting system
#     daemons (a policy-rc.d that says no, see apt_install); the tests start
#     their own servers on ephemeral loopback ports anyway.
#
#   * Go-built servers, cached per version under $EDDY_TESTBIN (default
#     $HOME/.cache/eddy-testbin) as  $EDDY_TESTBIN/<name>-<version>/<name>,
#     with a symlink $EDDY_TESTBIN/bin/<name> that internal/testenv looks for.
#     To add one, append a line to the "Go-built servers" section at the end:
#
#         go_server mailpit v1.33.1 build_go_install github.com/axllent/mailpit
#
#     The third word names a builder function called as
#     `builder OUTDIR ARGS... VERSION`, which must leave OUTDIR/<name>.
#     build_go_install covers plain `go install pkg@version`; a server that
#     needs more (FerretDB wants a version.txt written into its source before
#     `go build`) gets its own small build_xxx function next to it.
#     Bumping the version builds into a new directory; old ones can be deleted.
#
# Environment: EDDY_TESTBIN (cache dir), DEPS_VERBOSE=1 (say what is present).
set -euo pipefail

export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
TESTBIN="${EDDY_TESTBIN:-$HOME/.cache/eddy-testbin}"

# binary:debian-package
APT_DEPS=(
	redis-server:redis-server
	redis-cli:redis-tools
	beanstalkd:beanstalkd
	dnsmasq:dnsmasq-base
	openssl:openssl
	wrk:wrk
	nginx:nginx
)

log() { printf 'deps: %s\n' "$*" >&2; }

source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

# build_go_install OUTDIR PKG VERSION: `go install PKG@VERSION` into OUTDIR.
build_go_install() {
	local out=$1 pkg=$2 version=$3
	# Run outside any module so the main go.mod is never touched.
	(cd "$out" && GOBIN="$out" GOFLAGS=-buildvcs=false go install "$pkg@$version")
}

# go_server NAME VERSION BUILDER [ARGS...]: make sure
# $TESTBIN/NAME-VERSION/NAME exists (building it with BUILDER if not) and
# that $TESTBIN/bin/NAME points at it.
go_server() {
	local name=$1 version=$2 builder=$3
	shift 3
	local dir="$TESTBIN/$name-$version"
	if [[ ! -x $dir/$name ]]; then
		command -v go >/dev/null 2>&1 || {
			log "go not found; needed to build $name"
			return 1
		}
		log "building $name $version"
		local tmp
		tmp=$(mktemp -d "$TESTBIN/.build-$name.XXXXXX")
		if ! "$builder" "$tmp" "$@" "$version" || [[ ! -x $tmp/$name ]]; then
			rm -rf "$tmp"
			log "building $name $version failed"
			return 1
		fi
		rm -rf "$dir"
		mv "$tmp" "$dir" # atomic: a half-built dir is never seen as done
	fi
	ln -sfn "../$name-$version/$name" "$TESTBIN/bin/$name"
}

main() {
	mkdir -p "$TESTBIN/bin"
	install_apt_deps

	# Go-built servers (none yet), for example:
	#   go_server versitygw v1.8.0 build_go_install github.com/versity/versitygw/cmd/versitygw
	#   go_server mailpit v1.33.1 build_go_install github.com/axllent/mailpit
}

main "$@"
