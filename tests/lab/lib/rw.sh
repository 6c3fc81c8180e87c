# The wizard under test and the site files a lab test runs it on. Source it
# after testlib.sh.

# lab_rw: ROOT (the source tree) and RW (the binary: REPLICA_WIZARD_BIN, as
# make asan sets it to build-asan/replica-wizard, or the tree's own build)
lab_rw() {
	ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../../.." && pwd)
	RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
	[[ -x $RW ]] || fail "build replica-wizard first (make)"
}

# site_with_known_hosts FROM TO KNOWN_HOSTS [SED-EXPRESSION...]: TO is the
# site file FROM with `known_hosts = KNOWN_HOSTS` (a file created empty when
# missing: every host key is asked) and the sed expressions applied
site_with_known_hosts() {
	local from=$1 to=$2 kh=$3 e args=()
	shift 3
	for e in "$@" "s|^known_hosts = .*|known_hosts = $kh|"; do args+=(-e "$e"); done
	[[ -e $kh ]] || : >"$kh"
	sed "${args[@]}" -- "$from" >"$to"
}
