#!/bin/bash
# Reopening the wizard continues a run that was cut short: a batch install
# loses its replica just before the bootstrap; once the node is back, the
# TUI opened on the same replica says it continues that run, does not repeat
# what it finished, and completes the install.
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_needs_admin_ldap
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}  # make asan: build-asan/replica-wizard
command -v tmux >/dev/null || fail "tmux is not installed"
R1=$(node_ip replica1)
SITE=$LAB_DIR/site.ini
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE/state
SOCK=rw-tui-resume-$$
TM() { tmux -L "$SOCK" -f /dev/null "$@"; }
cleanup() {
	TM kill-server 2>/dev/null
	rm -rf -- "$STATE"
}
lab_on_exit cleanup
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
screen() { TM capture-pane -p -t rw; }
wait_for() {
	local end=$(($(date +%s) + $1))
	while :; do
		screen | grep -qF -- "$2" && return 0
		(($(date +%s) < end)) || { screen; fail "no \"$2\" on the screen after $1 s"; }
		sleep 0.2
	done
}
keys() { TM send-keys -t rw "$@"; }
TM new-session -d -s rw -x 160 -y 48 \
	"env LANG=C.UTF-8 REPLICA_WIZARD_STATE_DIR=$REPLICA_WIZARD_STATE_DIR $RW --site $SITE; echo \$? >$STATE/rc; sleep 60"
wait_for 10 "Install a Directory Replica"
keys 1
wait_for 5 "Replicas (space separated)"
keys Tab C-u "$R1"
for _ in 1 2 3 4 5 6; do keys Tab; done
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
wait_until 10 test -s "$STATE/rc" || fail "the wizard did not quit"
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
