#!/bin/bash
# The wizard's "Remove a Directory Replica" end to end on the lab, through
# tmux (160x48): two replicas installed beforehand by the batch install
# (answering queries) -> home 2 -> the checklist (replica1 checked, LDAP not
# disabled) -> Connect, accepting the unknown host keys -> Preflight shows
# the before/after ldap_url table -> Plan review -> Run -> Verification;
# then plain ssh shows replica1 gone from every ldap_url, the site file
# lists replica2 only, and no password is on screen, in the log or journal.
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
. "$(dirname -- "$0")/../lib/tui.sh"
lab_test_begin
lab_up

lab_rw
M=$(node_ip master) R1=$(node_ip replica1) R2=$(node_ip replica2)
PORT=$LAB_LDAP_PORT
STATE=$(mktemp -d)
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
tui_setup rw-tui-rm

P() { printf '%s/nodes/%s/opt/zextras' "$LAB_DIR" "$1"; }
lc() { lab_ssh "$1" "su - zextras -c '$(P "$1")/bin/zmlocalconfig -m nokey $2'"; }
site_key() {
	awk -v s="[$1]" -v k="$2" '/^\[/ {in_s = ($0 == s)} in_s && $1 == k {sub(/^[^=]*= */, ""); print}' "$STATE/site.ini"
}

# --- setup: both replicas installed by the batch, answering queries ----------
lab_ssh mta "su - zextras -c '$(P mta)/bin/zmcontrol status'" >/dev/null 2>&1
REPLICA_WIZARD_STATE_DIR=$STATE/install assert_rc 0 "install both replicas (batch, answering queries)" \
	"$RW" install --batch --yes --answer-queries --site "$LAB_DIR/site.ini"
BOTH="ldap://$R1:$PORT ldap://$R2:$PORT ldap://$M:$PORT"
assert_eq "$BOTH" "$(lc master ldap_url)" "the master points at both replicas"

site_with_known_hosts "$LAB_DIR/site.ini" "$STATE/site.ini" "$STATE/known_hosts"

tui_start --site "$STATE/site.ini"
wait_for 10 "Remove a Directory Replica"
keys 2
wait_for 5 "The replicas to remove"
assert_contains "$(screen)" "[ ] $R1" "replica1 is in the checklist"
assert_contains "$(screen)" "[ ] $R2" "replica2 is in the checklist"
keys Space
wait_for 5 "[x] $R1"
ok "replica1 checked"
keys c
wait_accepting 30 "2 Preflight"
assert_eq 3 "$(grep -c . "$STATE/known_hosts")" "the master, replica2 and the MTA were contacted (not replica1)"
wait_for 60 "Enter: confirm and review the plan"
S=$(screen)
assert_contains "$S" "ldap_url before / after" "the before/after table is shown"
assert_contains "$S" "now:   $BOTH" "the table shows the current ldap_url"
assert_contains "$S" "after: ldap://$R2:$PORT ldap://$M:$PORT" "the table shows the new ldap_url"
ok "preflight passed with the table"
keys Enter
wait_for 10 "3 Plan review"
assert_contains "$(screen)" "start the removal" "the plan review of the removal"
assert_not_contains "$(screen)" "$LAB_PASS" "the plan shows no password"
keys Enter
wait_for 10 "4 Run"
wait_for 300 "The replicas are removed from every node's ldap_url."
assert_contains "$(screen)" "updated: replicas = $R2" "the finish page says the site file was updated"
keys q
wait_rc
assert_eq 0 "$(cat "$STATE/rc")" "the wizard exits 0"

TWO="ldap://$R2:$PORT ldap://$M:$PORT"
assert_eq "$TWO" "$(lc master ldap_url)" "ssh: the master's ldap_url without replica1"
assert_eq "$TWO" "$(lc mta ldap_url)" "ssh: the MTA's ldap_url without replica1"
assert_eq "$TWO" "$(lc replica2 ldap_url)" "ssh: replica2's ldap_url unchanged"
assert_eq "ldap://$R1:$PORT ldap://$M:$PORT" "$(lc replica1 ldap_url)" "ssh: replica1 (not decommissioned) left alone"
assert_eq "$R2" "$(site_key carbonio replicas)" "the site file lists replica2 only"
assert_eq "" "$(site_key "host $R1" prefix)" "replica1's [host] section is gone"
for f in "$STATE/site.ini" "$STATE/state"/*; do
	! grep -qF -- "$LAB_PASS" "$f" || fail "the password is in $f"
done
ok "no password in the site file, the log or the journal"
