#!/bin/bash
# The journal is a resume aid, not the truth: a run whose journal says
# "complete" asks the nodes (preflight and the verify = yes steps) first.
#   - on the intact site: "already complete: the nodes confirm it", without
#     running the bootstrap (or anything else that changes a node) again
#   - replica1 rebuilt (same name, fresh node: its slapd stopped and its
#     Carbonio state wiped by `labnode init ... replica`): the run names the
#     check that failed and installs it again (exit 0, zmreplchk In Sync)
#   - a removal whose result was undone by hand (the MTA's ldap_url lists the
#     removed replica again) runs again and puts it right
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}  # make asan: build-asan/replica-wizard
[[ -x $RW ]] || fail "build replica-wizard first (make)"
SITE=$LAB_DIR/site.ini
M=$(node_ip master) R1=$(node_ip replica1)
PORT=$LAB_LDAP_PORT
R1DIR=$LAB_DIR/nodes/replica1
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
lc() { # NODE KEY
	lab_ssh "$1" "su - zextras -c '$LAB_DIR/nodes/$1/opt/zextras/bin/zmlocalconfig -m nokey $2'"
}
replchk() {
	run lab_ssh replica1 "su - zextras -c '$R1DIR/opt/zextras/libexec/zmreplchk'"
}
journal_ends() { grep -c 'event=end	state=complete' "$STATE"/*install*.journal 2>/dev/null || echo 0; }
BOOTSTRAP="Bootstrap the replica (carbonio-bootstrap -c)"
# replica1 only: a removal reads every replica of the site (replica2 stays a
# spare host, never installed)
sed -i "s|^replicas = .*|replicas = $R1|" "$SITE"

assert_rc 0 "install replica1" "$RW" install --batch --yes --site "$SITE" --replica "$R1"
assert_contains "$T_OUT" "install: complete." "the first run completes"
ends=$(journal_ends)

# --- the intact site: the nodes confirm it -----------------------------------
assert_rc 0 "install again on the intact site" "$RW" install --batch --site "$SITE" --replica "$R1"
assert_contains "$T_OUT" "asking the nodes" "it asks the nodes, not the journal alone"
assert_contains "$T_OUT" "zmreplchk on the replica says In Sync" "it runs the verification steps"
assert_contains "$T_OUT" "install: already complete: the nodes confirm it; nothing changed." \
	"and says the nodes confirm it"
assert_not_contains "$T_OUT" "$BOOTSTRAP" "the bootstrap is not run (not even its skip_if)"
assert_not_contains "$T_OUT" "Create a throw-away account" "nothing that changes a node runs"
assert_eq "$ends" "$(journal_ends)" "the check writes no run to the journal (and needed no --yes)"

# --- rebuilt: same name, fresh node ------------------------------------------
assert_rc 0 "rebuild replica1 (labnode init: slapd stopped, state wiped)" "$LAB_SH" rebuild replica1
assert_eq localhost "$(lc replica1 zimbra_server_hostname)" "replica1 is a fresh, not bootstrapped node"

assert_rc 2 "without --yes the rerun is refused (stdin is no terminal)" \
	"$RW" install --batch --site "$SITE" --replica "$R1" </dev/null
assert_contains "$T_OUT" "the nodes no longer confirm it: Check the bootstrap result (ldap_url, slapd) on $R1: not what success prints: no output" \
	"it names the check that failed and what the node says (its ldap_url is unset)"
assert_contains "$T_OUT" "refusing to change the site without --yes" "and asks for --yes before changing anything"

assert_rc 0 "install again on the rebuilt replica" "$RW" install --batch --yes --site "$SITE" --replica "$R1"
assert_contains "$T_OUT" "the nodes no longer confirm it: Check the bootstrap result (ldap_url, slapd) on $R1" \
	"the check fails on the rebuilt replica"
assert_contains "$T_OUT" "running the procedure again as a new run" "and the procedure runs again"
assert_contains "$T_OUT" "$BOOTSTRAP" "the bootstrap runs again"
assert_contains "$T_OUT" "install: complete." "the install completes"
assert_not_contains "$T_OUT" "done by the earlier run" "as a new run, not a resume"
assert_eq "ldap://$R1:$PORT ldap://$M:$PORT" "$(lc replica1 ldap_url)" "replica1 is bootstrapped again"
replchk
assert_contains "$T_OUT" "Replica: ldap://$R1:$PORT Code: 0 Status: In Sync" "zmreplchk on replica1: In Sync"
assert_eq $((ends + 1)) "$(journal_ends)" "the journal has the new complete run"

assert_rc 0 "and once more: the nodes confirm it" "$RW" install --batch --site "$SITE" --replica "$R1"
assert_contains "$T_OUT" "already complete: the nodes confirm it" "the rebuilt replica is confirmed"

# --- removal undone by hand --------------------------------------------------
# the site file drops a removed replica: it is put back to ask for the same removal
cp "$SITE" "$STATE/site-before-removal.ini"
assert_rc 0 "remove replica1" "$RW" remove --batch --yes --site "$SITE" --replica "$R1"
assert_eq "ldap://$M:$PORT" "$(lc mta ldap_url)" "the MTA's ldap_url no longer lists replica1"
cp "$STATE/site-before-removal.ini" "$SITE"
assert_rc 0 "remove again: the nodes confirm it" "$RW" remove --batch --site "$SITE" --replica "$R1"
assert_contains "$T_OUT" "remove: already complete: the nodes confirm it; nothing changed." \
	"the removal is confirmed by the nodes"
lab_ssh mta "su - zextras -c '$LAB_DIR/nodes/mta/opt/zextras/bin/zmlocalconfig -e ldap_url=\"ldap://$R1:$PORT ldap://$M:$PORT\"'" ||
	fail "cannot put replica1 back into the MTA's ldap_url"
cp "$STATE/site-before-removal.ini" "$SITE"
assert_rc 0 "remove again after the MTA's ldap_url was changed back" \
	"$RW" remove --batch --yes --site "$SITE" --replica "$R1"
assert_contains "$T_OUT" "the nodes no longer confirm it: Check the node's ldap_url on $(node_ip mta)" \
	"it names the node whose ldap_url is wrong"
assert_contains "$T_OUT" "remove: complete." "the removal runs again"
assert_eq "ldap://$M:$PORT" "$(lc mta ldap_url)" "the MTA's ldap_url is right again"
