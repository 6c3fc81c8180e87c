#!/bin/bash
# The wizard installs two replicas side by side (160x48): the Run page shows
# a pane for the master and one for each replica at once (the wizard marks
# the run's replicas), Tab goes to the second replica's pane; both end In
# Sync.
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
. "$(dirname -- "$0")/../lib/tui.sh"
lab_test_begin
lab_up

lab_rw
M=$(node_ip master) R1=$(node_ip replica1) R2=$(node_ip replica2)
STATE=$(mktemp -d)
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
tui_setup rw-tui2

site_with_known_hosts "$LAB_DIR/site.ini" "$STATE/site.ini" "$STATE/known_hosts"

# a pane's title row: a line of the box, then the node's name (the steps
# list shows the names after spaces)
pane_title() { screen | grep -E -- "─ $1( |\$)"; }

tui_start --site "$STATE/site.ini"
wait_for 10 "Install a Directory Replica"
tui_nodes "$R1 $R2"
keys Enter
wait_accepting 30 "Enter: go on to the bootstrap menus"
ok "preflight passed on the master and both replicas"
keys Enter
wait_for 5 "Main menu"
keys 1
wait_for 5 "Common configuration"
keys 4
wait_for 5 "Password for ldap admin user"
keys "$LAB_PASS" Enter
wait_for 15 "4) Ldap Admin password:                     set"
keys r
wait_for 5 "CONFIGURATION COMPLETE - press 'y' to apply configuration"
keys y
wait_for 5 "4 Plan review"
keys Enter
wait_for 5 "5 Run"
# the panes are there from the start of the run (the bootstraps take longer)
SCR=$(screen)
printf '%s\n' "$SCR" >"$STATE/run.screen"
for ip in "$M" "$R1" "$R2"; do
	grep -qE -- "─ $ip( |\$)" "$STATE/run.screen" || { cat "$STATE/run.screen"; fail "no pane for $ip on the Run page"; }
done
ok "the Run page shows the master's pane and one per replica"
keys Tab Tab
end=$(($(date +%s) + 10))
until pane_title "$R2" | grep -qF ' *'; do
	if (($(date +%s) >= end)) || screen | grep -qF "The Directory Replica is installed"; then
		screen
		fail "Tab twice did not focus the second replica's pane"
	fi
	sleep 0.2
done
ok "Tab twice: the second replica's pane has the focus"
wait_for 300 "The Directory Replica is installed and replicates."
keys q
wait_rc
assert_eq 0 "$(cat "$STATE/rc")" "the wizard exits 0"

for n in replica1 replica2; do
	ip=$(node_ip $n)
	run lab_ssh $n "su - zextras -c '$LAB_DIR/nodes/$n/opt/zextras/libexec/zmreplchk'"
	assert_contains "$T_OUT" "Replica: ldap://$ip:$LAB_LDAP_PORT Code: 0 Status: In Sync" "$n In Sync"
done
