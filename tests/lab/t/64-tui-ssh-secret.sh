#!/bin/bash
# SSH secrets asked by the wizard (tmux, 160x48), with a passphrase-protected
# copy of the lab key named in the site file:
#   - each node asks in a masked dialog naming the node and the key file;
#     Esc answers none: the connection FAILS with its message
#   - the typed passphrase connects every node (the preflight starts) and is
#     never on the screen, in the log or in the journal
#   - REPLICA_WIZARD_SSH_PASSWORD set: no dialog, it answers
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
. "$(dirname -- "$0")/../lib/tui.sh"
lab_test_begin
lab_up

lab_rw
R1=$(node_ip replica1)
STATE=$(mktemp -d)
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
tui_setup rw-secret

PP="rw-pp-$RANDOM-Kx7"
KEY=$STATE/labkey-pp
cp "$LAB_DIR/ssh/labkey" "$KEY"
chmod 600 "$KEY"
# the passphrase on ssh-keygen's command line is this test's, not the wizard's
ssh-keygen -q -p -N "$PP" -f "$KEY" >/dev/null || fail "cannot protect the key copy"
cp "$LAB_DIR/site.ini" "$STATE/site.ini"
sed -i "s|^identity = .*|identity = $KEY|" "$STATE/site.ini"

start() { # [ENV=VALUE...]: the wizard on the Nodes page, replica1 only, then Connect
	tui_stop
	rm -rf -- "$STATE/state"
	tui_start "$@" --site "$STATE/site.ini"
	wait_for 10 "Install a Directory Replica"
	tui_nodes "$R1"
	keys Enter
}
asked_gone() { ! screen | grep -qF -- "$1"; }
no_secret_left() {
	for f in "$STATE/site.ini" "$STATE/state"/*; do
		[[ -f $f ]] || continue
		! grep -qF -- "$PP" "$f" || fail "the passphrase is in $f"
	done
}

# --- Esc: answered with none, the connection fails ----------------------------
start
wait_for 20 "asks for the passphrase for key $KEY"
assert_contains "$(screen)" "SSH login" "a masked dialog asks"
end=$(($(date +%s) + 20))
until screen | grep -qF "FAILED" && ! screen | grep -qF "asks for the passphrase"; do
	screen | grep -qF "asks for the passphrase" && keys Escape
	(($(date +%s) < end)) || { screen; fail "Esc did not fail the connection"; }
	sleep 0.3
done
ok "Esc answers none: the connection FAILED"
assert_contains "$(screen)" "no passphrase given for key $KEY" "with the transport's message"
keys q

# --- typed: every node connects, the preflight starts ---------------------------
start
wait_for 20 "asks for the passphrase for key $KEY"
asked=0
end=$(($(date +%s) + 40))
until screen | grep -qF "2 Preflight"; do
	if screen | grep -qF "asks for the passphrase"; then
		node=$(screen | grep -oE '[0-9.]+ asks for the passphrase' | head -1)
		keys -l "$PP"
		! screen | grep -qF -- "$PP" || fail "the passphrase is on the screen"
		keys Enter
		asked=$((asked + 1))
		wait_until 10 asked_gone "$node" || true
	fi
	(($(date +%s) < end)) || { screen; fail "never reached the preflight"; }
	sleep 0.3
done
((asked >= 2)) || fail "expected a dialog per node (master, replica1), got $asked"
ok "each node asked once ($asked dialogs); the typed passphrase connected them"
keys q
sleep 0.5
keys y
sleep 1
no_secret_left
ok "the passphrase is not in the site file, the log or the journal"

# --- REPLICA_WIZARD_SSH_PASSWORD answers without asking -------------------------
start "REPLICA_WIZARD_SSH_PASSWORD=$PP"
end=$(($(date +%s) + 40))
until screen | grep -qF "2 Preflight"; do
	screen | grep -qF "asks for the passphrase" && { screen; fail "a dialog asked although the environment answers"; }
	(($(date +%s) < end)) || { screen; fail "never reached the preflight"; }
	sleep 0.2
done
ok "REPLICA_WIZARD_SSH_PASSWORD answered without a dialog"
keys q
sleep 0.5
keys y
