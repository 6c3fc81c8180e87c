#!/bin/bash
# A replica candidate whose install history says an earlier bootstrap marked
# its LDAP setup done and never finished (carbonio-tools.md §10.7): the real
# setup.pl (and the lab's stand-in) then SKIPS the LDAP setup. Preflight says
# so before anything changes; the run then stops at the bootstrap result
# instead of reporting success.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}
[[ -x $RW ]] || fail "build replica-wizard first (make)"
R1=$(node_ip replica1)
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE/state
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
H=$LAB_DIR/nodes/replica1/opt/zextras/.install_history

# an earlier, cut-short config session that got past configSetupLdap
now=$(date +%s)
printf '%s: CONFIG SESSION START\n%s: CONFIGURED BEGIN\n%s: CONFIGURED configSetupLdap\n' \
	"$now" "$now" "$now" >>"$H"
run "$RW" install --batch --yes --site "$LAB_DIR/site.ini" --replica "$R1"
assert_eq 1 "$T_RC" "the install does not report success"
assert_contains "$T_OUT" "carbonio-bootstrap will SKIP the LDAP setup on this node" \
	"preflight says the bootstrap will skip the LDAP setup"
assert_contains "$T_OUT" "Check the bootstrap result" "the run stops at the bootstrap result"
