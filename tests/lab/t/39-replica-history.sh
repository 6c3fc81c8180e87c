#!/bin/bash
# A replica candidate whose install history says an earlier bootstrap marked
# its LDAP setup done and never finished (carbonio-tools.md §10.7): the real
# setup.pl (and the lab's stand-in) then SKIPS the LDAP setup. Preflight says
# so before anything changes; the run then stops at the bootstrap result
# instead of reporting success, and the master's default domain is untouched
# (DOCREATEDOMAIN=no in the answers, §10.6).
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

# the skipped LDAP setup leaves setup.pl's DOCREATEDOMAIN at its default
# (yes on a directory-server node) unless the answers say no (§10.6): it
# would then create the replica's hostname as a domain and make it the
# WHOLE installation's default domain on the master
MP=$LAB_DIR/nodes/master/opt/zextras
run lab_ssh master "su - zextras -c '$MP/bin/zmprov -l gcf zimbraDefaultDomainName'"
assert_eq "zimbraDefaultDomainName: example.com" "$T_STDOUT" "the master's default domain is unchanged (DOCREATEDOMAIN=no)"
run lab_ssh master "su - zextras -c '$MP/bin/zmprov -l gad'"
assert_not_contains "$T_STDOUT" "$(tr A-Z a-z <<<"$R1")" "no domain named after the replica on the master"
