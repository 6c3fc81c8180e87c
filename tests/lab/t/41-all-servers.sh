#!/bin/bash
# Every server of the installation (carbonio-tools.md §10.12): the master's
# directory lists the master and the MTA; a site file that omits the MTA
#   - install --answer-queries and removal refuse (exit 2) before anything
#     changes, listing the MTA with its roles; nothing changed on any node
#   - --skip-node: a name the directory does not list is refused (exit 2);
#     a node the site names, or --skip-node without --answer-queries, is
#     refused before anything connects
#   - with --skip-node MTA both go on and the MTA is untouched
#   - with the MTA named (the lab's own site file) it is handled: its
#     ldap_url and Postfix maps get the replica
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
. "$(dirname -- "$0")/../lib/tui.sh"
lab_test_begin
lab_up

lab_rw
M=$(node_ip master) R1=$(node_ip replica1) R2=$(node_ip replica2) MTA=$(node_ip mta)
PORT=$LAB_LDAP_PORT
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE/state
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
prefix() { printf '%s/nodes/%s/opt/zextras' "$LAB_DIR" "$1"; }
lc() { # NODE KEY: a localconfig value, read as zextras
	lab_ssh "$1" "su - zextras -c '$(prefix "$1")/bin/zmlocalconfig -m nokey $2'"
}
maps() { lab_ssh mta "sed -n 's/^server_host *= *//p' $(prefix mta)/conf/ldap-vmm.cf" 2>/dev/null || true; }
# every node's ldap_url, the MTA's maps and whether replica1 is bootstrapped
snapshot() {
	local n
	for n in master replica1 mta; do printf '%s %s\n' "$n" "$(lc $n ldap_url 2>/dev/null)"; done
	printf 'maps %s\n' "$(maps)"
	lab_ssh replica1 "test -e $(prefix replica1)/.enable_replica && echo bootstrapped || echo fresh"
}
# the site names replica1 and the master only: no MTA, no replica2
SITE=$STATE/nomta.ini
sed -e "s|^replicas = .*|replicas = $R1|" -e '/^mta = /d' "$LAB_DIR/site.ini" |
	awk -v a="[host $R2]" -v b="[host $MTA]" '/^\[/ { skip = ($0 == a || $0 == b) } !skip' >"$SITE"
FULL=$STATE/full.ini
sed -e "s|^replicas = .*|replicas = $R1|" "$LAB_DIR/site.ini" |
	awk -v a="[host $R2]" '/^\[/ { skip = ($0 == a) } !skip' >"$FULL"
# a running node has zmcontrol's service cache (zmcontrol status writes it)
lab_ssh mta "su - zextras -c '$(prefix mta)/bin/zmcontrol status'" >/dev/null 2>&1

# --- refused before anything connects -------------------------------------------
assert_rc 2 "--skip-node without --answer-queries" \
	"$RW" install --batch --yes --site "$SITE" --skip-node "$MTA"
assert_contains "$T_OUT" "--skip-node applies with --answer-queries only" "the refusal says why"
assert_rc 2 "--skip-node naming a node of the site" \
	"$RW" remove --batch --yes --site "$SITE" --replica "$R1" --skip-node "$M"
assert_contains "$T_OUT" "--skip-node $M: the site file $SITE names it" "the refusal names the node"
assert_rc 2 "--skip-node with a bad host name" \
	"$RW" remove --batch --yes --site "$SITE" --replica "$R1" --skip-node 'a b'
before=$(snapshot)

t_log "at ${SECONDS}s"
# --- install --answer-queries: the MTA is not in the site file -------------------
assert_rc 2 "install --answer-queries refuses an unnamed MTA" \
	"$RW" install --batch --yes --answer-queries --site "$SITE"
out=$T_OUT
assert_contains "$out" "The master's directory lists 2 server(s):" "the directory's servers are listed"
assert_contains "$out" "  $MTA (amavis, antispam, antivirus, mta, opendkim, stats): NOT in the site file (an MTA" \
	"the MTA is listed with its roles"
assert_contains "$out" "  $M (directory-server, stats): in the site file" "the master is named"
assert_contains "$out" "FAILED: the master's directory lists 1 server(s) the site file does not name: $MTA (" \
	"the refusal names the MTA"
assert_contains "$out" "--skip-node HOST" "the refusal says how to skip it"
assert_contains "$out" "Nothing was changed. Name those servers in the site file, or skip them" "the summary says so"
assert_not_contains "$out" "zmldapenablereplica" "no step after the preflight ran"
assert_eq "$before" "$(snapshot)" "nothing changed on any node"

assert_rc 2 "--skip-node naming no server of the directory" \
	"$RW" install --batch --yes --answer-queries --site "$SITE" --skip-node nosuch.example.com
assert_contains "$T_OUT" "--skip-node nosuch.example.com: the master's directory lists no such server (it lists: $M $MTA)" \
	"the refusal names the directory's servers"
assert_eq "$before" "$(snapshot)" "nothing changed on any node"

t_log "at ${SECONDS}s"
# --- --skip-node MTA: it goes on, the MTA untouched ----------------------------------
mta_before=$(lc mta ldap_url)
maps_before=$(maps)
assert_rc 0 "install --answer-queries --skip-node MTA" \
	"$RW" install --batch --yes --answer-queries --site "$SITE" --skip-node "$MTA"
assert_contains "$T_OUT" "  $MTA (amavis, antispam, antivirus, mta, opendkim, stats): NOT in the site file: skipped" \
	"the MTA is listed as skipped"
assert_contains "$T_OUT" "the site file names every server but the 1 skipped" "the check passes"
assert_contains "$T_OUT" "install: complete." "the run completes"
assert_not_contains "$T_OUT" "connected to $MTA " "the MTA was not contacted"
assert_eq "ldap://$R1:$PORT ldap://$M:$PORT" "$(lc master ldap_url)" "the master answers with the replica"
assert_eq "$mta_before" "$(lc mta ldap_url)" "the MTA's ldap_url is untouched"
assert_eq "$maps_before" "$(maps)" "the MTA's Postfix maps are untouched"

t_log "at ${SECONDS}s"
# --- removal: the same refusal, then --skip-node -------------------------------------
before=$(snapshot)
assert_rc 2 "removal refuses an unnamed MTA" "$RW" remove --batch --yes --site "$SITE" --replica "$R1"
assert_contains "$T_OUT" "  $MTA (amavis, antispam, antivirus, mta, opendkim, stats): NOT in the site file (an MTA" \
	"the MTA is listed with its roles"
assert_contains "$T_OUT" "  $R1 (stats, directory-server): in the site file" "the bootstrapped replica has its own entry, named"
assert_not_contains "$T_OUT" "ldap_url of every node, now and after the removal:" "refused before the table"
assert_eq "$before" "$(snapshot)" "nothing changed on any node"
assert_eq "$R1" "$(awk '$1 == "replicas" {print $3}' "$SITE")" "the site file is unchanged"

t_log "at ${SECONDS}s"
# the wizard: the same list as a checklist; skipping the MTA lets the
# preflight pass; quitting there changes nothing
if command -v tmux >/dev/null; then
	tui_setup rw-tui-allsrv
	cp "$SITE" "$STATE/tui.ini"
	REPLICA_WIZARD_STATE_DIR=$STATE/tui tui_start --site "$STATE/tui.ini"
	wait_for 10 "Remove a Directory Replica"
	keys 2
	wait_for 5 "[ ] $R1"
	keys Space c
	wait_for 60 "Servers the site file does not name"
	assert_contains "$(screen)" "[ ] $MTA  amavis, antispam, antivirus, mta, opendkim, stats" \
		"the wizard lists the MTA with its roles"
	keys Enter
	wait_for 5 "Check every server to skip it"
	ok "Enter with nothing checked does not go on"
	keys Space Enter
	wait_for 60 "Enter: confirm and review the plan"
	assert_contains "$(screen)" "after: ldap://$M:$PORT" "skipped: the preflight passes and shows the table"
	keys q y
	wait_rc
	assert_eq "$before" "$(snapshot)" "quitting the wizard there changed nothing"
else
	t_log "tmux is not installed: the wizard's checklist is not tried"
fi

t_log "at ${SECONDS}s"
assert_rc 0 "removal with --skip-node MTA" "$RW" remove --batch --yes --site "$SITE" --replica "$R1" --skip-node "$MTA"
assert_contains "$T_OUT" "remove: complete." "the run completes"
assert_not_contains "$T_OUT" "connected to $MTA " "the MTA was not contacted"
assert_eq "ldap://$M:$PORT" "$(lc master ldap_url)" "the master no longer lists the replica"
assert_eq "$mta_before" "$(lc mta ldap_url)" "the MTA's ldap_url is untouched"
assert_eq "$maps_before" "$(maps)" "the MTA's Postfix maps are untouched"

t_log "at ${SECONDS}s"
# --- the MTA named: handled ------------------------------------------------------------
assert_rc 0 "install --answer-queries with the MTA named" \
	"$RW" install --batch --yes --answer-queries --site "$FULL"
assert_contains "$T_OUT" "the site file names all 3 server(s)" "every server is named"
assert_contains "$T_OUT" "install: complete." "the run completes"
assert_eq "ldap://$R1:$PORT ldap://$M:$PORT" "$(lc mta ldap_url)" "the MTA's ldap_url lists the replica"
assert_eq "ldap://$R1:$PORT ldap://$M:$PORT" "$(maps)" "the MTA's Postfix maps list the replica (zmmtainit)"
t_log "at ${SECONDS}s"
