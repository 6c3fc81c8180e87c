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
