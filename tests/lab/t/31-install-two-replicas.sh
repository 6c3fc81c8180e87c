#!/bin/bash
# Two replicas in one `install --batch --answer-queries` run: both bootstrap
# and replicate, then ldap_url is rewritten node by node (MTA first, master
# last) with the replicas first and the master URL last, byte-identical to
# ldap_master_url; the master pins ldap_bind_url first so its slapd comes
# back on its own address; zmmtainit points the Postfix maps at the list.
# The site requires StartTLS: both replicas' syncrepl runs over it.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}  # make asan: build-asan/replica-wizard
SITE=$LAB_DIR/site.ini
M=$(node_ip master) R1=$(node_ip replica1) R2=$(node_ip replica2)
PORT=$LAB_LDAP_PORT
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
prefix() { printf '%s/nodes/%s/opt/zextras' "$LAB_DIR" "$1"; }
lc() { # NODE KEY: a localconfig value, read as zextras
	lab_ssh "$1" "su - zextras -c '$(prefix "$1")/bin/zmlocalconfig -m nokey $2'"
}

timed T assert_rc 0 "install of two replicas with --answer-queries" \
	"$RW" install --batch --yes --answer-queries --site "$SITE"
t_log "the run took ${T}s"
printf '%s\n' "$T_OUT" >"$STATE/run.out"
assert_contains "$T_OUT" "install: complete." "the run completes"

for n in replica1 replica2; do
	ip=$(node_ip $n)
	run lab_ssh $n "su - zextras -c '$(prefix $n)/libexec/zmreplchk'"
	assert_contains "$T_OUT" "Replica: ldap://$ip:$PORT Code: 0 Status: In Sync" "$n In Sync"
done

want="ldap://$R1:$PORT ldap://$R2:$PORT ldap://$M:$PORT"
assert_eq "$want" "$(lc master ldap_url)" "master ldap_url: replicas first, master last, single spaces"
assert_eq "$(lc master ldap_master_url)" "ldap://$M:$PORT" "ldap_master_url unchanged"
assert_eq "ldap://$M:$PORT" "$(lc master ldap_bind_url)" "master ldap_bind_url pinned to itself"
assert_eq "$want" "$(lc mta ldap_url)" "MTA ldap_url"
run lab_ssh master "su - zextras -c '$(prefix master)/bin/ldap status'"
assert_eq 0 "$T_RC" "the master's slapd runs after its restart"
run lab_ssh mta "cat $(prefix mta)/conf/ldap-vmm.cf"
assert_contains "$T_OUT" "server_host = $want" "zmmtainit pointed the Postfix maps at the new list"

# Side by side: both replicas' bootstraps started before either ended, and
# the preflight asked every node at once (order of the run's events, never
# its times). An item's lines share its "[ i/N]" tag.
started() { grep -n "^\[ *[0-9]*/[0-9]*\] $1 .* $2\$" "$STATE/run.out" | head -1; }
line_of() { printf '%s' "${1%%:*}"; }
ended() { # LINE_OF_START: the line of the item's result
	local tag
	tag=$(sed -n "${1}p" "$STATE/run.out" | grep -o '^\[ *[0-9]*/[0-9]*\]')
	grep -nF "$tag" "$STATE/run.out" | grep -v ' not yet (' |
		awk -F: -v s="$1" '$1 > s { print $1; exit }'
}
overlap() { # TITLE NODE_A NODE_B
	local a b ea eb
	a=$(line_of "$(started "$2" "$1")") b=$(line_of "$(started "$3" "$1")")
	[[ -n $a && -n $b ]] || fail "no start of \"$1\" on $2 and $3"
	ea=$(ended "$a") eb=$(ended "$b")
	[[ -n $ea && -n $eb ]] && ((a < eb && b < ea)) ||
		fail "\"$1\" on $2 (lines $a..$ea) and $3 (lines $b..$eb) did not overlap"
	ok "\"$1\" ran on $2 and $3 at the same time"
}
overlap "Bootstrap the replica (carbonio-bootstrap -c)" "$R1" "$R2"
overlap "Wait until the account is on the replica" "$R1" "$R2"
overlap "Root privileges" "$M" "$R2"
# the master's steps are barriers: its test account only after both checks
boot_end=$(ended "$(line_of "$(started "$R2" "Check the bootstrap result (ldap_url, slapd)")")")
find_start=$(line_of "$(started "$M" "Find a domain for the test account")")
[[ -n $boot_end && -n $find_start ]] && ((boot_end < find_start)) ||
	fail "the master's next step started before replica2's check ended (lines $boot_end, $find_start)"
ok "the master's next step waited for every replica"

# node by node, master last: the MTA restarted while the master was up
mta_start=$(grep -n "$(node_ip mta) .*Start Carbonio services$" "$STATE/run.out" | head -1 | cut -d: -f1)
master_stop=$(grep -n "$M .*Stop Carbonio services$" "$STATE/run.out" | head -1 | cut -d: -f1)
[[ -n $mta_start && -n $master_stop ]] && ((mta_start < master_stop)) ||
	fail "the MTA must restart before the master stops (lines $mta_start, $master_stop)"
ok "the MTA restarted before the master was stopped"

# and replication still works after all the restarts
U=rw-after-$RANDOM@example.com
run lab_ssh master "su - zextras -c '$(prefix master)/bin/zmprov -l'" <<<"ca $U"' Passw0rdXyz'
assert_eq 0 "$T_RC" "account created on the master"
for n in replica1 replica2; do
	wait_until 90 bash -c "ssh -F '$LAB_DIR/ssh/ssh_config' $n \"su - zextras -c '$(prefix $n)/bin/zmprov -l gaa'\" | grep -qx '$U'" ||
		fail "$U did not reach $n"
	ok "$U reached $n"
done

# the site requires interprocess security (ldap_starttls_supported=1 on the
# master): the replicas took it from the master's localconfig through the
# bootstrap answers, and their syncrepl runs over StartTLS, Carbonio's CA
# verified by slapd (tls_reqcert demand, the default)
for n in replica1 replica2; do assert_syncrepl_starttls $n; done
