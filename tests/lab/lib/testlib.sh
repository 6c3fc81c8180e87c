# Helpers for the lab tests in tests/lab/t/ (sourced). A test:
#   . "$(dirname "$0")/../lib/testlib.sh"
#   lab_test_begin          # traps `lab.sh down` on exit
#   lab_up                  # fresh lab, sources lab.env
#   assert_rc 0 "ssh works" lab_ssh master true
# Each assert prints "ok: ..." or "FAIL: ..." and a failure ends the test (exit 1).
set -uo pipefail
LAB_TLIB_HOME=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
LAB_SH=$LAB_TLIB_HOME/lab.sh
# shellcheck source=common.sh
. "$LAB_TLIB_HOME/lib/common.sh"
T_OUT=""
T_RC=0
T_FAILED=0

t_log() { printf '# %s\n' "$*"; }
ok() { printf 'ok: %s\n' "$*"; }
fail() {
	printf 'FAIL: %s\n' "$*"
	T_FAILED=1
	exit 1
}

# Extra cleanups run by lab_test_end, last registered first. Register them
# with lab_on_exit instead of replacing the EXIT trap: a trap like
# 'cleanup; lab_test_end' would hand lab_test_end the status of cleanup and
# turn every failure into a pass.
LAB_ON_EXIT=()
lab_on_exit() { LAB_ON_EXIT+=("$1"); }

lab_test_begin() {
	# netns: a test runs on the admin side, which run-tests.sh sets up.
	if [[ -z ${LAB_IN_ADMIN:-} ]] && (lab_defaults && lab_netns); then
		exec bash "$LAB_TLIB_HOME/run-tests.sh" "$0"
	fi
	trap 'lab_test_end' EXIT
	trap 'exit 143' TERM INT HUP
}
lab_test_end() {
	local rc=$? i
	trap - EXIT
	for ((i = ${#LAB_ON_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${LAB_ON_EXIT[i]}" || true
	done
	"$LAB_SH" down || rc=1
	exit "$rc"
}

# The wizard's install checks the LDAP passwords by binding to the master
# directly from the admin side (src/install.c), not through SSH (yet): a test
# that runs an install calls this before lab_up, which opens the Carbonio
# nodes' LDAP port to the admin side in the site firewall (netns lab).
lab_needs_admin_ldap() { export LAB_FW_ADMIN_LDAP=1; }

# A second Dovecot pair (imap3 + imap4, [dovecot pair2] in the site file):
# for the tests of several pairs; call it before lab_up.
lab_needs_dovecot_pairs() { export LAB_DOVECOT_PAIRS=2; }

lab_up() {
	"$LAB_SH" up || fail "lab.sh up failed"
	lab_load_env
	set -a
	# shellcheck disable=SC1091
	. "$LAB_DIR/lab.env"
	set +a
	lab_node_table
}

# The lab's site file with every node's name replaced by its IPv4 address
# (netns lab), as admins who name nodes by address write it.
lab_site_by_address() {
	local n
	local -a e=()
	for n in "${LAB_NODES[@]}"; do
		e+=(-e "s/\b$(node_host "$n" | sed 's/\./\\./g')\b/$(node_addr "$n")/g")
	done
	sed "${e[@]}" "$LAB_DIR/site.ini"
}

# Dovecot replication set up by hand: where firewalld runs on NODE (imap1),
# accept doveadm's port from PEER's addresses (IPv6 too on the netns lab) as
# the seed procedure does; on the netns lab the rules are real (nftables).
lab_allow_doveadm() { # NODE PEER
	local rule dev zone
	lab_ssh "$1" firewall-cmd --state >/dev/null 2>&1 </dev/null || return 0
	# the zone the peer's traffic arrives in (imap1's interface: "internal")
	dev=$(lab_ssh "$1" ip -o route get "$(node_addr "$2")" </dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p')
	zone=$(lab_ssh "$1" firewall-cmd --get-zone-of-interface="$dev" </dev/null 2>/dev/null) || zone=public
	for rule in "rule family=\"ipv4\" source address=\"$(node_addr "$2")/32\"" \
		$(lab_netns && echo ipv6); do
		[[ $rule == ipv6 ]] && rule="rule family=\"ipv6\" source address=\"$(node_addr6 "$2")/128\""
		lab_ssh "$1" "firewall-cmd --permanent --zone=$zone '--add-rich-rule=$rule port port=\"$LAB_DOVEADM_PORT\" protocol=\"tcp\" accept'" \
			>/dev/null </dev/null || return 1
	done
	lab_ssh "$1" firewall-cmd --reload >/dev/null </dev/null
}

# lab_ssh NODE CMD... : strict ssh (the lab's ssh_config, known_hosts, key).
lab_ssh() {
	local n=$1
	shift
	ssh -F "$LAB_DIR/ssh/ssh_config" "$n" -- "$@"
}

# run CMD...: T_RC = exit status, T_STDOUT = stdout, T_ERR = stderr, and
# T_OUT = both (stdout, then stderr). Compare exact values with T_STDOUT: a
# remote login shell may add noise on stderr (root's ~/.bashrc runs pyenv).
T_ERR=""
T_STDOUT=""
run() {
	local e
	e=$(mktemp)
	T_STDOUT=$("$@" 2>"$e")
	T_RC=$?
	T_ERR=$(<"$e")
	rm -f -- "$e"
	T_OUT=$T_STDOUT
	if [[ -n $T_ERR ]]; then T_OUT+=${T_OUT:+$'\n'}$T_ERR; fi
	return 0
}

assert_eq() { # EXPECTED ACTUAL MSG
	if [[ $1 == "$2" ]]; then ok "$3"; else fail "$3: expected [$1], got [$2]"; fi
}
assert_rc() { # RC MSG CMD...
	local want=$1 msg=$2
	shift 2
	run "$@"
	if [[ $T_RC == "$want" ]]; then
		ok "$msg (rc $T_RC)"
	else
		fail "$msg: expected rc $want, got $T_RC; stdout: [$T_STDOUT] stderr: [$T_ERR]"
	fi
}
assert_contains() { # HAYSTACK NEEDLE MSG
	if [[ $1 == *"$2"* ]]; then ok "$3"; else fail "$3: [$2] not in [$1]"; fi
}
assert_not_contains() {
	if [[ $1 != *"$2"* ]]; then ok "$3"; else fail "$3: [$2] unexpectedly in [$1]"; fi
}

# wait_until TIMEOUT_S CMD... : poll every 100 ms; 0 when CMD succeeded.
wait_until() {
	local end=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@" >/dev/null 2>&1; do
		(($(date +%s%N) < end)) || return 1
		sleep 0.1
	done
}

# Seconds (2 decimals) a command took; its output goes to stdout as usual.
timed() { # VAR CMD...
	local __v=$1 t0
	shift
	t0=$(date +%s%N)
	"$@"
	local rc=$?
	printf -v "$__v" '%s' "$(lab_elapsed "$t0")"
	return $rc
}

# Nothing of the lab may remain: no process naming LAB_DIR, no listener.
assert_lab_gone() {
	local procs l
	procs=$(ps -e -ww -o pid=,args= | awk -v d="$LAB_DIR/" 'index($0, d)' | grep -v -e "awk -v d=" || true)
	[[ -z $procs ]] || fail "processes of the lab remain after down: $procs"
	l=$(ss -Hltn | awk -v net="$LAB_NET." 'index($4, net) == 1')
	[[ -z $l ]] || fail "listeners on $LAB_NET.x remain after down: $l"
	ok "no process with $LAB_DIR/ in its command line, no listener on $LAB_NET.x"
	l=$("$LAB_SH" leftovers 2>&1) || fail "leftovers of the lab after down: $l"
	if lab_netns; then
		ok "no namespace, hosts file or link of the lab left (but the admin namespace this test runs in)"
	fi
}

# binds_over_tls FROM DN [SERVER]: "GOOD BAD", the binds as DN that the slapd
# log of SERVER (default master) shows from node FROM's addresses, on a
# connection with "TLS established" (GOOD) or without (BAD). conn numbers
# start again when slapd restarts.
binds_over_tls() {
	local a4 a6
	a4=$(node_addr "$1")
	a6=$(lab_netns && node_addr6 "$1" || echo none)
	awk -v a4="IP=$a4:" -v a6="IP=[$a6]:" -v dn=" BIND dn=\"$2\"" '
		/slapd starting/ { delete from; delete tls }
		/ ACCEPT from / { c = $0; sub(/.*conn=/, "", c); sub(/ .*/, "", c)
			from[c] = index($0, "ACCEPT from " a4) || index($0, "ACCEPT from " a6); tls[c] = 0 }
		/ TLS established / { c = $0; sub(/.*conn=/, "", c); sub(/ .*/, "", c); tls[c] = 1 }
		index($0, dn) {
			c = $0; sub(/.*conn=/, "", c); sub(/ .*/, "", c)
			if (from[c]) { if (tls[c]) good++; else bad++ } }
		END { print good + 0, bad + 0 }' "$(node_prefix "${3:-master}")/log/slapd.log"
}

# assert_binds_over_tls FROM DN WHAT: at least one such bind, all over TLS
assert_binds_over_tls() {
	local v
	v=$(binds_over_tls "$1" "$2")
	[[ $v =~ ^([0-9]+)\ 0$ && ${BASH_REMATCH[1]} -gt 0 ]] ||
		fail "$3: the master's slapd log should show binds as $2 from $1 over TLS only (with TLS, without: $v)"
	ok "$3: the master saw $2 bind from $1 only after StartTLS ($v)"
}

# The replica's syncrepl runs over StartTLS, as on a Carbonio site that
# requires interprocess security: its localconfig says
# ldap_starttls_supported=1, its olcSyncrepl (cn=config, read as root through
# ldapi; the value holds the replication password, never printed) has
# starttls=critical and Carbonio's CA directory, and in the master's slapd
# log every bind as uid=zmreplica from the replica's addresses came on a
# connection with "TLS established" (there is at least one such bind).
assert_syncrepl_starttls() { # REPLICA
	local n=$1 p sock sr
	p=$(node_prefix "$n")
	run lab_ssh "$n" "su - zextras -c '$p/bin/zmlocalconfig -m nokey ldap_starttls_supported'"
	assert_eq 1 "$T_STDOUT" "$n: localconfig ldap_starttls_supported=1"
	sock=$p/run/ldapi
	sr=$(ldapsearch -LLL -o ldif-wrap=no -Q -Y EXTERNAL -H "ldapi://${sock//\//%2F}" \
		-b 'olcDatabase={2}mdb,cn=config' -s base olcSyncrepl 2>&1 |
		grep -o -e 'starttls=[a-z]*' -e 'tls_cacertdir=[^ ]*' -e '^olcSyncrepl:' | sort | tr '\n' ' ')
	assert_eq "olcSyncrepl: starttls=critical tls_cacertdir=$p/conf/ca " "$sr" \
		"$n: olcSyncrepl has starttls=critical and tls_cacertdir (Carbonio's CA directory)"
	assert_binds_over_tls "$n" "uid=zmreplica,cn=admins,cn=zimbra" "$n's syncrepl"
}
