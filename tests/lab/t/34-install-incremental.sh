#!/bin/bash
# Replicas installed one run at a time, each with --answer-queries, on a site
# that names both from the start: the first run must not point the clients
# at replica2 (not installed yet), and the second must keep replica1.
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
lc() { # NODE KEY
	lab_ssh "$1" "su - zextras -c '$LAB_DIR/nodes/$1/opt/zextras/bin/zmlocalconfig -m nokey $2'"
}

assert_rc 0 "install replica1 alone, answering queries" \
	"$RW" install --batch --yes --answer-queries --site "$SITE" --replica "$R1"
assert_eq "ldap://$R1:$PORT ldap://$M:$PORT" "$(lc master ldap_url)" \
	"master ldap_url: replica1 then the master, not the uninstalled replica2"
assert_eq "ldap://$R1:$PORT ldap://$M:$PORT" "$(lc mta ldap_url)" "MTA ldap_url the same"

assert_rc 0 "install replica2 later, answering queries" \
	"$RW" install --batch --yes --answer-queries --site "$SITE" --replica "$R2"
assert_eq "ldap://$R1:$PORT ldap://$R2:$PORT ldap://$M:$PORT" "$(lc master ldap_url)" \
	"master ldap_url keeps replica1, adds replica2, the master last"
assert_eq "ldap://$R1:$PORT ldap://$R2:$PORT ldap://$M:$PORT" "$(lc mta ldap_url)" "MTA ldap_url the same"
# replica1's consumer reconnects after the master's services were restarted
# by the second run (--answer-queries): it catches up within its retry
in_sync() { lab_ssh "$1" "su - zextras -c '$LAB_DIR/nodes/$1/opt/zextras/libexec/zmreplchk'" | grep -q 'Code: 0 Status: In Sync'; }
for n in replica1 replica2; do
	wait_until 90 in_sync "$n" || fail "$n not In Sync: $(lab_ssh "$n" "su - zextras -c '$LAB_DIR/nodes/$n/opt/zextras/libexec/zmreplchk'" 2>&1)"
	ok "$n In Sync"
done
