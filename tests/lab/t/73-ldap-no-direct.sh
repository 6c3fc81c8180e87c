#!/bin/bash
# No LDAP connection of our own from the admin's machine by default (issue 11,
# item 2): `install --batch` (its password checks bind as uid=zimbra,
# uid=zmreplica and cn=config), `dashboard --once` and `check` run under
# `strace -f -e trace=connect`; every connect() to an IP address goes to an
# SSH port of a node, none to the LDAP port of any node. The LDAP traffic
# travels in the nodes' SSH sessions. Control: with --ldap-direct the same
# trace does show connect() to the LDAP port (the trace would catch one).
# --starttls without --ldap-direct is refused (it would hang) before anything
# connects.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
[[ -x $RW ]] || fail "build replica-wizard first (make)"
command -v strace >/dev/null || fail "strace is not installed (tests/debian-packages.txt)"
M=$(node_ip master) R1=$(node_ip replica1) R2=$(node_ip replica2)
STATE=$(mktemp -d)
chmod 700 "$STATE"
export REPLICA_WIZARD_STATE_DIR=$STATE/state
lab_on_exit "rm -rf -- '$STATE'"

SITE=$STATE/site.ini
sed "s/^replicas = .*/replicas = $R1\nother_nodes = $R2/" "$LAB_DIR/site.ini" >"$SITE"

# traced NAME CMD...: run CMD under strace; T_RC its status; the inet
# destinations ADDR:PORT of its connect() calls in $STATE/NAME.dest
traced() {
	local name=$1
	shift
	# (LeakSanitizer cannot run under ptrace: off for an ASan binary)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		run strace -f -qq -e trace=connect -o "$STATE/$name.strace" "$@"
	grep -oE 'sin6?_port=htons\([0-9]+\), sin6?_(addr|addr6)=inet_(addr|pton)\([^)]*\)' \
		"$STATE/$name.strace" |
		sed -E 's/.*htons\(([0-9]+)\).*inet_(addr|pton)\((AF_INET6, )?"([^"]*)"\).*/\4:\1/' \
			>"$STATE/$name.dest" || true
}
# no_ldap_connect NAME WHAT: some connect() to an SSH port, none to LDAP
no_ldap_connect() {
	local name=$1 what=$2 d
	[[ -s $STATE/$name.dest ]] || fail "$what: no connect() traced at all: $(head -c 2000 "$STATE/$name.strace")"
	grep -q ":$LAB_SSH_PORT\$" "$STATE/$name.dest" || fail "$what: no connect() to an SSH port"
	while read -r d; do
		[[ ${d##*:} != "$LAB_LDAP_PORT" ]] || fail "$what: connect() to the LDAP port $d"
		[[ ${d##*:} == "$LAB_SSH_PORT" || ${d##*:} == 53 ]] || fail "$what: connect() to $d (not an SSH port)"
	done <"$STATE/$name.dest"
	ok "$what: $(sort -u "$STATE/$name.dest" | tr '\n' ' ')only SSH, no LDAP port"
}

traced install "$RW" install --batch --yes --site "$SITE" --replica "$R1"
[[ $T_RC == 0 ]] || fail "install: rc $T_RC: $T_OUT"
assert_contains "$T_OUT" "uid=zimbra, uid=zmreplica and cn=config bind on the master" \
	"install checked the three passwords"
no_ldap_connect install "install --batch"

traced dashboard "$RW" dashboard --once --format json --site "$SITE"
[[ $T_RC == 0 ]] || fail "dashboard --once: rc $T_RC: $T_OUT"
printf '%s' "$T_STDOUT" >"$STATE/d.json"
/usr/bin/python3 - "$STATE/d.json" <<'PY' || fail "dashboard: LDAP probes did not all work via ssh: $T_STDOUT"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["replicas"][0]
assert d["master"]["via_ssh"] and d["master"]["contextCSN"], d["master"]
assert r["ldap"]["via_ssh"] and r["ldap"]["contextCSN"], r["ldap"]
assert r["syncrepl"]["connected"] is True, r["syncrepl"]   # the bound cn=Monitor probe
PY
ok "dashboard: contextCSN of master and replica and the bound cn=Monitor probe, via ssh"
no_ldap_connect dashboard "dashboard --once"

traced check "$RW" check --site "$SITE"
assert_contains "$T_STDOUT" "[OK] replica $R1: In Sync" "check: replica In Sync"
no_ldap_connect check "check"

# --starttls through SSH would hang (libldap's TLS handshake is synchronous
# on the channel our own loop relays): refused before anything connects
traced starttls "$RW" dashboard --once --format json --starttls --site "$SITE"
assert_eq 2 "$T_RC" "dashboard --starttls without --ldap-direct is refused"
assert_contains "$T_ERR" "--starttls: StartTLS inside the SSH session is not available" "the refusal says why"
[[ ! -s $STATE/starttls.dest ]] || fail "dashboard --starttls connected: $(cat "$STATE/starttls.dest")"
ok "dashboard --starttls: nothing connected"

# --ldap-via-ssh (the default, kept as an alias) is accepted and changes nothing
traced alias "$RW" check --ldap-via-ssh --site "$SITE"
assert_contains "$T_STDOUT" "[OK] replica $R1: In Sync" "check --ldap-via-ssh: replica In Sync"
no_ldap_connect alias "check --ldap-via-ssh"

# control: direct connections are seen by the same trace
traced direct "$RW" check --ldap-direct --site "$SITE"
# (the master by its address: strace shows where connect() goes, not the name)
MA=$(node_addr master)
grep -qxF "$MA:$LAB_LDAP_PORT" "$STATE/direct.dest" ||
	fail "control: --ldap-direct made no connect() to $M ($MA):$LAB_LDAP_PORT: $(cat "$STATE/direct.dest")"
ok "control: with --ldap-direct the trace shows connect() to $M:$LAB_LDAP_PORT"

lab_test_end
