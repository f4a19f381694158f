# apt.sh: shared by scripts/deps.sh and scripts/wine.sh (sourced, not run).
# The sourcing script defines log() and the APT_DEPS array of
# "binary:debian-package" pairs, then calls install_apt_deps.

as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		log "need root (or sudo) to run: $*"
		return 1
	fi
}

# apt_install PKG... installs Debian packages without starting their services.
apt_install() {
	local rc=/usr/sbin/policy-rc.d made_rc=0
	if [[ ! -e $rc ]]; then
		# invoke-rc.d asks this script; 101 means "action not allowed".
		as_root sh -c "printf '#!/bin/sh\nexit 101\n' >$rc && chmod 755 $rc"
		made_rc=1
	fi
	local status=0
	{
		log "apt-get update"
		# Wait for the dpkg lock rather than fail if another apt runs.
		as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get -o DPkg::Lock::Timeout=300 update -qq &&
			log "apt-get install $*" &&
			as_root env DEBIAN_FRONTEND=noninteractive \
				apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@"
	} || status=$?
	if [[ $made_rc -eq 1 ]]; then
		as_root rm -f "$rc"
	fi
	return "$status"
}

# install_apt_deps installs the packages of APT_DEPS whose binary is
# missing, in one apt-get run, and fails if a binary is still missing.
install_apt_deps() {
	local missing=() pair bin
	for pair in "${APT_DEPS[@]}"; do
		bin=${pair%%:*}
		if command -v "$bin" >/dev/null 2>&1; then
			[[ ${DEPS_VERBOSE:-} == 1 ]] && log "have $bin"
		else
			missing+=("${pair#*:}")
		fi
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	apt_install "${missing[@]}"
	for pair in "${APT_DEPS[@]}"; do
		command -v "${pair%%:*}" >/dev/null 2>&1 || {
			log "${pair%%:*} still missing after installing ${pair#*:}"
			return 1
		}
	done
}
