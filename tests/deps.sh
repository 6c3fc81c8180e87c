#!/usr/bin/env bash
# Debian packages for replica-wizard (list: tests/debian-packages.txt).
#
#   tests/deps.sh check     exit 0 when every package is installed, else list
#                           the missing ones and exit 1
#   tests/deps.sh install   apt-get update + install them all (root only;
#                           otherwise print the command to run and exit 1)
#   tests/deps.sh ensure    check, and install when something is missing
#
# Installing must not start system services: a system slapd, dovecot or
# sshd would take the ports the lab and the tests use.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
list="$here/debian-packages.txt"

packages() {
	sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$'
}

missing() {
	local p status
	for p in $(packages); do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		if [ "$status" != "install ok installed" ]; then
			echo "$p"
		fi
	done
}

do_check() {
	local miss
	miss=$(missing)
	if [ -n "$miss" ]; then
		echo "deps: missing Debian packages:" $miss
		return 1
	fi
	echo "deps: all $(packages | wc -l) Debian packages are installed"
}

policy=/usr/sbin/policy-rc.d
made_policy=0

remove_policy() {
	if [ "$made_policy" = 1 ]; then
		rm -f "$policy"
	fi
}

do_install() {
	local pkgs
	pkgs=$(packages | tr '\n' ' ')
	if [ "$(id -u)" != 0 ]; then
		echo "deps: installing needs root; run:" >&2
		echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs" >&2
		exit 1
	fi
	# policy-rc.d exit 101 = "action forbidden": package scripts do not
	# start slapd/dovecot/sshd. Only remove it if we created it.
	if [ ! -e "$policy" ]; then
		trap remove_policy EXIT
		made_policy=1
		printf '#!/bin/sh\n# replica-wizard deps.sh: no service starts while installing\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
	fi
	export DEBIAN_FRONTEND=noninteractive
	# slapd asks questions at install time; answer them (the lab makes its
	# own slapd configuration, the system one is never used).
	if command -v debconf-set-selections >/dev/null; then
		debconf-set-selections <<-'SEL'
		slapd slapd/no_configuration boolean true
		slapd shared/organization string replica-wizard
		slapd slapd/domain string example.com
		SEL
	fi
	apt-get update </dev/null
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $pkgs </dev/null
}

case "${1:-}" in
check)
	do_check
	;;
install)
	do_install
	;;
ensure)
	if ! do_check; then
		do_install
		do_check
	fi
	;;
*)
	echo "usage: $0 check|install|ensure" >&2
	exit 2
	;;
esac
