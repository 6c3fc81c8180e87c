#!/bin/bash
# `replica-wizard install --batch` on the lab, from the bare state:
#   - an unknown host key is refused (exit 3), accepted with --accept-new-host-keys
#   - a wrong LDAP password stops at the verification, the replica untouched
#   - the replica going down mid-run fails fast; --resume finishes the install
#   - the replica really replicates (zmreplchk In Sync, an entry arrives)
#   - installing again reports "already complete" and changes nothing
#   - no password in any process list sampled during the run, in our output,
#     in the journal, or in a file we leave on the nodes
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_needs_admin_ldap
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}  # make asan: build-asan/replica-wizard
[[ -x $RW ]] || fail "build replica-wizard first (make)"
SITE=$LAB_DIR/site.ini
M=$(node_ip master) R1=$(node_ip replica1)
R1DIR=$LAB_DIR/nodes/replica1
STATE=$(mktemp -d)
SAMPLES=$STATE/ps-samples
export REPLICA_WIZARD_STATE_DIR=$STATE/state
cleanup() {
	[[ -n ${SAMPLER:-} ]] && kill "$SAMPLER" 2>/dev/null
	rm -rf -- "$STATE"
}
lab_on_exit cleanup

# Sample every process command line on the machine (the nodes share it)
# every 20 ms while the wizard runs.
sample_processes() {
	while :; do
		ps -e -ww -o args= >>"$SAMPLES" 2>/dev/null
		sleep 0.02
	done
}
sample_processes &
SAMPLER=$!

# --- host keys -------------------------------------------------------------
cp "$SITE" "$STATE/site-unknown.ini"
: >"$STATE/empty_known_hosts"
sed -i "s|^known_hosts = .*|known_hosts = $STATE/empty_known_hosts|" "$STATE/site-unknown.ini"
assert_rc 3 "unknown host key refused in batch mode" \
	"$RW" install --batch --yes --site "$STATE/site-unknown.ini" --replica "$R1"
assert_contains "$T_OUT" "unknown host key ssh-ed25519 SHA256:" "the refusal shows the SHA256 fingerprint"
assert_eq 0 "$(wc -c <"$STATE/empty_known_hosts")" "nothing was added to known_hosts"

# --- wrong password: stops at the verification, replica untouched -----------
REPLICA_WIZARD_LDAP_PASSWORD=not-the-password \
	assert_rc 1 "a wrong LDAP password fails the run" \
	"$RW" install --batch --yes --site "$SITE" --replica "$R1"
assert_contains "$T_OUT" "does not bind as uid=zimbra,cn=admins,cn=zimbra" "the message names the DN"
assert_contains "$T_OUT" "Nothing was changed on the replica" "and says the replica is untouched"
assert_not_contains "$T_OUT" "not-the-password" "the password is not printed"
[[ ! -d $R1DIR/opt/zextras/common/etc/openldap/schema ]] || fail "the package was installed anyway"
run lab_ssh replica1 "$R1DIR/opt/zextras/bin/zmlocalconfig -m nokey zimbra_server_hostname"
assert_eq localhost "$T_OUT" "the replica is still not bootstrapped"
rm -rf -- "$REPLICA_WIZARD_STATE_DIR"

# --- the replica goes down mid-run ------------------------------------------
# Kill its sshd and every session of it as soon as the package is installed,
# i.e. just before the bootstrap.
node_down() {
	local pid
	pid=$(cat "$LAB_DIR/nodes/$1/sshd/sshd.pid")
	pkill -KILL -P "$pid" 2>/dev/null
	kill -KILL "$pid"
}
"$RW" install --batch --yes --site "$SITE" --replica "$R1" >"$STATE/run1.out" 2>&1 &
RUN=$!
journal() { cat "$REPLICA_WIZARD_STATE_DIR"/*.install-replica.journal 2>/dev/null; }
wait_until 60 bash -c "grep -q 'step=install-package.*state=done' $REPLICA_WIZARD_STATE_DIR/*.journal" ||
	fail "the run did not reach the package step: $(cat "$STATE/run1.out")"
node_down replica1
t0=$(date +%s)
wait "$RUN"
rc=$? took=$(($(date +%s) - t0))
assert_eq 1 "$rc" "the run fails when the replica goes down"
((took <= 60)) || fail "it took $took s to notice (bound: 60 s)"
ok "failure noticed in $took s"
assert_contains "$(cat "$STATE/run1.out")" "--resume" "the summary points at --resume"
"$LAB_SH" start-svc replica1 sshd >/dev/null || fail "cannot restart replica1 sshd"

assert_rc 0 "--resume finishes the install" \
	"$RW" install --batch --yes --resume --site "$SITE" --replica "$R1"
printf '%s\n' "$T_OUT" >"$STATE/run2.out"
assert_contains "$T_OUT" "done by the earlier run" "completed steps are not run again"
# what the cut-short run finished is not run again, and the non-idempotent
# bootstrap ran exactly once over both runs
assert_contains "$T_OUT" "Enable replication on the master (zmldapenablereplica): done by the earlier run" \
	"enabling replication on the master is not repeated"
boots=$(cat "$STATE/run1.out" "$STATE/run2.out" | grep -c 'Starting Carbonio Bootstrap')
assert_eq 1 "$boots" "carbonio-bootstrap ran once over the cut-short run and its resume"
assert_contains "$T_OUT" "install: complete." "the run completes"

# --- the replica really replicates -------------------------------------------
run lab_ssh replica1 "su - zextras -c '$R1DIR/opt/zextras/libexec/zmreplchk'"
assert_contains "$T_OUT" "Replica: ldap://$R1:$LAB_LDAP_PORT Code: 0 Status: In Sync" "zmreplchk on the replica: In Sync"
run lab_ssh master "su - zextras -c '$LAB_DIR/nodes/master/opt/zextras/bin/zmprov -l gaa'"
assert_not_contains "$T_OUT" "rw-check-" "the throw-away account was deleted on the master"

# --- again: complete, nothing changes ----------------------------------------
assert_rc 0 "install again on a complete site" \
	"$RW" install --batch --yes --site "$SITE" --replica "$R1"
assert_contains "$T_OUT" "already complete" "it reports that the install is complete"

# --- secrets -----------------------------------------------------------------
kill "$SAMPLER"
SAMPLER=
[[ -s $SAMPLES ]] || fail "no process samples"
ok "$(grep -c . "$SAMPLES") process lines sampled"
grep -F -- "$LAB_PASS" "$SAMPLES" | head -3 >"$STATE/leaks"
[[ ! -s $STATE/leaks ]] || fail "the password appeared in a process list: $(cat "$STATE/leaks")"
ok "no password in any sampled process list"
for f in "$STATE/run1.out" "$STATE/run2.out" "$REPLICA_WIZARD_STATE_DIR"/*; do
	! grep -qF -- "$LAB_PASS" "$f" || fail "the password is in $f"
done
ok "no password in the wizard's output or journal"
left=$(find "$R1DIR/opt/zextras" -maxdepth 1 \( -name '.rw-bootstrap.*' -o -name 'config.[0-9]*' \))
[[ -z $left ]] || fail "files with passwords left on the node: $left"
ok "no bootstrap answers file nor config.<pid> left on the replica"
