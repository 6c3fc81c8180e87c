#!/bin/bash
# Two replicas side by side, one bootstrap fails: that replica's chain stops,
# the other replica's chain finishes (bootstrap and its check), the master's
# next step waits for both, and the run reports the failure. --resume then
# takes each replica up where it stopped: replica1's finished steps are not
# run again, replica2's bootstrap is, and both end In Sync.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}  # make asan: build-asan/replica-wizard
SITE=$LAB_DIR/site.ini
R1=$(node_ip replica1) R2=$(node_ip replica2)
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE
BOOT=$(node_dir replica2)/usr/bin/carbonio-bootstrap
cleanup() {
	[[ -f $BOOT.lab-orig ]] && mv -f -- "$BOOT.lab-orig" "$BOOT"
	rm -rf -- "$STATE"
}
lab_on_exit cleanup
journal() { cat "$STATE"/*.install-replica.journal 2>/dev/null; }
jstate() { journal | grep -c "step=$1	node=$2	state=$3"; }
BT="Bootstrap the replica (carbonio-bootstrap -c)"

# replica2's bootstrap fails at once (nothing of it runs)
mv -- "$BOOT" "$BOOT.lab-orig"
printf '#!/bin/sh\necho "lab: this bootstrap fails on purpose" >&2\nexit 1\n' >"$BOOT"
chmod 755 "$BOOT"

run "$RW" install --batch --yes --site "$SITE" --replica "$R1" --replica "$R2"
printf '%s\n' "$T_OUT" >"$STATE/first.out"
[[ $T_RC != 0 ]] || fail "the run with a failing bootstrap succeeded"
ok "the run with a failing bootstrap fails (rc $T_RC)"
assert_contains "$T_OUT" "FAILED: $BT on $R2" "the summary names replica2's bootstrap"
assert_not_contains "$T_OUT" "FAILED: $BT on $R1" "replica1's bootstrap did not fail"
assert_contains "$T_OUT" "--resume" "the summary points at --resume"
assert_eq 1 "$(jstate bootstrap "$R1" done)" "replica1's bootstrap finished"
assert_eq 1 "$(jstate bootstrap-result "$R1" done)" "replica1's chain went on to its check"
assert_eq 1 "$(jstate bootstrap "$R2" failed)" "the journal says replica2's bootstrap failed"
assert_eq 0 "$(journal | grep -c 'step=find-domain')" "the master's next step waited for both replicas"

mv -f -- "$BOOT.lab-orig" "$BOOT"
run "$RW" install --batch --yes --resume --site "$SITE" \
	--replica "$R1" --replica "$R2"
printf '%s\n' "$T_OUT" >"$STATE/resume.out"
[[ $T_RC == 0 ]] || fail "the resumed run failed (rc $T_RC): $(grep -E 'FAILED|^hint' "$STATE/resume.out" | head -n 3)"
ok "the resumed run completes"
grep -q "^\[ *[0-9]*/[0-9]*\] $R1 .* $BT: done by the earlier run\$" "$STATE/resume.out" ||
	fail "replica1's bootstrap was not taken as done: $(grep -F "$BT" "$STATE/resume.out")"
ok "replica1's bootstrap is not run again"
grep -q "^\[ *[0-9]*/[0-9]*\] $R2 .* $BT\$" "$STATE/resume.out" ||
	fail "replica2's bootstrap did not run again: $(grep -F "$BT" "$STATE/resume.out")"
ok "replica2's bootstrap runs again"
for n in replica1 replica2; do
	run lab_ssh $n "su - zextras -c '$(node_prefix $n)/libexec/zmreplchk'"
	assert_contains "$T_OUT" "Code: 0 Status: In Sync" "$n In Sync"
done
lab_test_end
