#!/bin/bash
# The ncurses wizard end to end on the lab, driven through tmux (160x48):
#   home -> Nodes (one replica) -> Connect, accepting both unknown host keys
#   shown by their SHA256 fingerprint -> Preflight -> bootstrap menus (a
#   wrong Ldap Admin password shows Not Verified, the right one set) ->
#   Plan review -> Run -> Verification; then plain ssh shows the replica In
#   Sync, and no password is on screen, in the log or in the journal.
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
tui_setup rw-tui

site_with_known_hosts "$LAB_DIR/site.ini" "$STATE/site.ini" "$STATE/known_hosts"

tui_start --site "$STATE/site.ini"
wait_for 10 "Install a Directory Replica"
ok "home screen"
# this run installs replica1 only (the site also lists replica2)
tui_nodes "$R1"
keys Enter
wait_for 20 "Unknown host key"
assert_contains "$(screen)" "ssh-ed25519 SHA256:" "the unknown host key is shown with its SHA256 fingerprint"
keys y
# the second node's key (or the preflight already)
wait_accepting 20 "2 Preflight"
assert_eq 2 "$(grep -c . "$STATE/known_hosts")" "both accepted keys were added to known_hosts"
wait_for 60 "Enter: go on to the bootstrap menus"
ok "preflight passed"
keys Enter
wait_for 5 "Main menu"
assert_contains "$(screen)" "2) carbonio-directory-server:               Enabled" "the bootstrap's main menu layout"
# a wrong Ldap Admin password is not verified by the master
keys 1
wait_for 5 "Common configuration"
keys 4
wait_for 5 "Password for ldap admin user (min 6 characters):"
keys "wrong-password" Enter
wait_for 15 "Not Verified"
assert_contains "$(screen)" "** 4) Ldap Admin password:                     Not Verified" "a wrong password shows ** Not Verified"
assert_not_contains "$(screen)" "wrong-password" "the typed password is not on the screen"
keys 4
wait_for 5 "Password for ldap admin user"
keys "$LAB_PASS" Enter
wait_for 15 "4) Ldap Admin password:                     set"
ok "the right password binds on the master: set"
keys r
wait_for 5 "CONFIGURATION COMPLETE - press 'y' to apply configuration"
keys y
wait_for 5 "4 Plan review"
assert_not_contains "$(screen)" "$LAB_PASS" "the plan shows no password"
keys Enter
wait_for 5 "5 Run"
wait_for 300 "The Directory Replica is installed and replicates."
assert_contains "$(screen)" "Site file saved (no secrets)" "the site file was saved"
# the next job starts from the home screen: h leaves the finished run there
keys h
wait_for 5 "What do you want to do?"
keys 3
wait_for 5 "First Dovecot server"
ok "h on the verification page: back home, then another operation's page"
keys Escape
wait_for 5 "What do you want to do?"
keys q
wait_rc
assert_eq 0 "$(cat "$STATE/rc")" "the wizard exits 0"

run lab_ssh replica1 "su - zextras -c '$LAB_DIR/nodes/replica1/opt/zextras/libexec/zmreplchk'"
assert_contains "$T_OUT" "Replica: ldap://$R1:$LAB_LDAP_PORT Code: 0 Status: In Sync" "zmreplchk on the replica: In Sync"
for f in "$STATE/site.ini" "$STATE/state"/*; do
	! grep -qF -- "$LAB_PASS" "$f" || fail "the password is in $f"
	! grep -qF -- "wrong-password" "$f" || fail "the wrong password is in $f"
done
ok "no password in the site file, the log or the journal"
[[ -s $STATE/state/replica-wizard.log ]] && ok "the wizard logged to its log file"
