#!/bin/bash
# Reopening the wizard continues a run that was cut short: a batch install
# loses its replica just before the bootstrap; once the node is back, the
# TUI opened on the same replica says it continues that run, does not repeat
# what it finished, and completes the install.
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
. "$(dirname -- "$0")/../lib/tui.sh"
lab_test_begin
lab_up

lab_rw
R1=$(node_ip replica1)
SITE=$LAB_DIR/site.ini
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE/state
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
tui_setup rw-tui-resume
journal() { cat "$REPLICA_WIZARD_STATE_DIR"/*.install-replica.journal; }

# --- a batch run cut short -----------------------------------------------------
"$RW" install --batch --yes --site "$SITE" --replica "$R1" >"$STATE/batch.out" 2>&1 &
RUN=$!
wait_until 60 bash -c "grep -q 'step=install-package.*state=done' $REPLICA_WIZARD_STATE_DIR/*.journal" ||
	fail "the batch run did not reach the package step: $(cat "$STATE/batch.out")"
pid=$(cat "$LAB_DIR/nodes/replica1/sshd/sshd.pid")
pkill -KILL -P "$pid"
kill -KILL "$pid"
wait "$RUN"
assert_eq 1 "$?" "the batch run failed when the replica went down"
"$LAB_SH" start-svc replica1 sshd >/dev/null || fail "cannot restart replica1 sshd"

# --- the wizard, reopened on the same replica ----------------------------------
tui_start --site "$SITE"
wait_for 10 "Install a Directory Replica"
tui_nodes "$R1"
keys Enter
wait_for 60 "Continuing the run that was cut short earlier"
ok "the wizard says it continues the interrupted run"
wait_for 60 "Enter: go on to the bootstrap menus"
keys Enter
wait_for 10 "CONFIGURATION COMPLETE - press 'y' to apply configuration"
ok "the passwords read from the master are set"
keys y
wait_for 5 "4 Plan review"
keys Enter
wait_for 300 "The Directory Replica is installed and replicates."
keys q
wait_rc
assert_eq 0 "$(cat "$STATE/rc")" "the wizard exits 0"

# --- one run in the journal, resumed; nothing done twice -----------------------
assert_eq 1 "$(journal | grep -c 'event=start')" "one run in the journal"
assert_eq 1 "$(journal | grep -c 'event=resume')" "the wizard resumed it"
assert_eq 1 "$(journal | grep -c 'step=enable-replication.*state=\(done\|already\)')" \
	"enabling replication on the master was recorded once"
assert_eq 1 "$(journal | grep -c 'step=bootstrap	.*state=done')" "the bootstrap ran once"
assert_contains "$(journal | tail -1)" "event=end	state=complete" "the run is complete"
run lab_ssh replica1 "su - zextras -c '$LAB_DIR/nodes/replica1/opt/zextras/libexec/zmreplchk'"
assert_contains "$T_OUT" "Code: 0 Status: In Sync" "the replica is In Sync"
