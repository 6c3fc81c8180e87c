#!/bin/bash
# `install --batch --answer-node HOST`: only the chosen nodes get the new
# ldap_url. With the master alone: the master's ldap_url lists the replica
# first and itself last (its ldap_bind_url pinned), the MTA's ldap_url and
# Postfix maps do not change. A host that is not the master, an MTA or an
# other node is refused before anything connects (exit 2, naming it).
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_needs_admin_ldap
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}  # make asan: build-asan/replica-wizard
[[ -x $RW ]] || fail "build replica-wizard first (make)"
M=$(node_ip master) R1=$(node_ip replica1) MTA=$(node_ip mta)
PORT=$LAB_LDAP_PORT
STATE=$(mktemp -d)
# the new ldap_url lists every replica the site names: name replica1 only
SITE=$STATE/site.ini
R2=$(node_ip replica2)
sed "s|^replicas = .*|replicas = $R1|" "$LAB_DIR/site.ini" |
	awk -v drop="[host $R2]" '/^\[/ { skip = ($0 == drop) } !skip' >"$SITE"
export REPLICA_WIZARD_STATE_DIR=$STATE
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
prefix() { printf '%s/nodes/%s/opt/zextras' "$LAB_DIR" "$1"; }
lc() { # NODE KEY: a localconfig value, read as zextras
	lab_ssh "$1" "su - zextras -c '$(prefix "$1")/bin/zmlocalconfig -m nokey $2'"
}

# --- refused before connecting ------------------------------------------------
assert_rc 2 "a replica is not an answering node" \
	"$RW" install --batch --yes --site "$SITE" --replica "$R1" --answer-node "$R1"
assert_contains "$T_OUT" "--answer-node $R1: not the master, an MTA or an other node" "the refusal names the host"
assert_rc 2 "an unknown host is refused" \
	"$RW" install --batch --yes --site "$SITE" --replica "$R1" --answer-node nosuch.example.com
assert_contains "$T_OUT" "nosuch.example.com" "the refusal names the unknown host"

# --- the plan: answer steps on the master only ----------------------------------
assert_rc 0 "dry run with --answer-node the master" \
	"$RW" install --batch --dry-run --site "$SITE" --replica "$R1" --answer-node "$M"
plan=$T_OUT
grep -A1 'Point ldap_url at the replicas' <<<"$plan" | grep -q "node $M," ||
	fail "the master's ldap_url step is not planned"
ok "the master's ldap_url step is planned"
if grep -A1 -E 'Point ldap_url at the replicas|Rewrite the Postfix LDAP maps' <<<"$plan" | grep -q "node $MTA,"; then
	fail "an MTA step is planned although only the master was chosen"
fi
ok "no answer step on the MTA"

# --- the run ----------------------------------------------------------------
mta_before=$(lc mta ldap_url)
maps_before=$(lab_ssh mta "cat $(prefix mta)/conf/ldap-vmm.cf" 2>/dev/null || true)
timed T assert_rc 0 "install one replica with --answer-node the master" \
	"$RW" install --batch --yes --site "$SITE" --replica "$R1" --answer-node "$M"
t_log "the run took ${T}s"
assert_contains "$T_OUT" "install: complete." "the run completes"

assert_eq "ldap://$R1:$PORT ldap://$M:$PORT" "$(lc master ldap_url)" "master ldap_url: the replica first, the master last"
assert_eq "ldap://$M:$PORT" "$(lc master ldap_bind_url)" "master ldap_bind_url pinned to itself"
assert_eq "$mta_before" "$(lc mta ldap_url)" "the MTA's ldap_url did not change"
maps_after=$(lab_ssh mta "cat $(prefix mta)/conf/ldap-vmm.cf" 2>/dev/null || true)
assert_eq "$maps_before" "$maps_after" "the MTA's Postfix maps did not change"
run lab_ssh replica1 "su - zextras -c '$(prefix replica1)/libexec/zmreplchk'"
assert_contains "$T_OUT" "Replica: ldap://$R1:$PORT Code: 0 Status: In Sync" "the replica is In Sync"
