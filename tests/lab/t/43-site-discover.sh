#!/bin/bash
# `replica-wizard site discover`: the site file filled from the master's
# directory (zmprov -m -l gas -v and the master's localconfig, over SSH)
#   - from a file naming only the master (+ [ssh], [host] and [dovecot]): the
#     MTA is found at once and written as `mta`, and nothing else in the file
#     changes (comments, order, mode); --dry-run writes nothing
#   - bad input (a broken line, no master) is refused with file:line, exit 2,
#     nothing written; an unknown host key is refused (exit 3), and the master's
#     tools failing gives exit 1 with their output: the file unchanged
#   - the master named by its alias: the output says which name the directory
#     knows it by, the file keeps the alias; nodes named by address are asked
#     which server they are (zimbra_server_hostname): kept, not doubled
#   - a node the directory does not list is kept and reported; --prune takes
#     it out with its [host] section
#   - after a replica is installed, discovery finds it (`replicas`), and
#     `install --batch --dry-run` accepts the discovered file
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
lab_test_begin
lab_up

lab_rw
M=$(node_ip master) R1=$(node_ip replica1) MTA=$(node_ip mta)
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE/state
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
MTA_SVC="amavis, antispam, antivirus, mta, opendkim, stats"

# The admin's file: the lab's, without replicas and mta, with comments.
SITE=$STATE/site.ini
{
	echo "# our site: written by hand, keep this comment"
	sed -e '/^replicas = /d' -e '/^mta = /d' \
		-e 's/^\(master = .*\)$/\1   ; the only name we know/' \
		-e 's/^\[carbonio\]$/[carbonio]\n# the rest is discovered/' "$LAB_DIR/site.ini"
} >"$SITE"
chmod 0640 "$SITE"
cp -p -- "$SITE" "$STATE/start.ini"

t_log "at ${SECONDS}s"
# --- bad input: nothing asked, nothing written ------------------------------------
printf '[carbonio]\nmaster = %s\nthis is not a key line\n' "$M" >"$STATE/bad.ini"
cp -- "$STATE/bad.ini" "$STATE/bad.orig"
assert_rc 2 "a broken site file is refused" "$RW" site discover --site "$STATE/bad.ini"
assert_contains "$T_ERR" "$STATE/bad.ini:3:" "the message names the file and line"
assert_not_contains "$T_OUT" "Asking the master" "nothing was asked"
cmp -s "$STATE/bad.ini" "$STATE/bad.orig" || fail "the broken file was changed"
sed -n '/^\[dovecot\]/,$p' "$LAB_DIR/site.ini" >"$STATE/nomaster.ini"
assert_rc 2 "a site without a master is refused" "$RW" site discover --site "$STATE/nomaster.ini"
assert_contains "$T_ERR" "[carbonio] master: not set" "the refusal says the master is needed"
assert_rc 2 "an unknown option" "$RW" site discover --site "$SITE" --bogus

# --- host keys: refused (exit 3), nothing written -------------------------------------
site_with_known_hosts "$SITE" "$STATE/unknown.ini" "$STATE/empty_known_hosts"
cp -- "$STATE/unknown.ini" "$STATE/unknown.orig"
assert_rc 3 "an unknown host key is refused" "$RW" site discover --site "$STATE/unknown.ini"
assert_contains "$T_OUT" "unknown host key ssh-ed25519 SHA256:" "the refusal shows the fingerprint"
assert_contains "$T_ERR" "the site file is not changed" "and says the file is unchanged"
cmp -s "$STATE/unknown.ini" "$STATE/unknown.orig" || fail "the file was changed after a refused key"
assert_eq 0 "$(wc -c <"$STATE/empty_known_hosts")" "nothing was added to known_hosts"

# --- the master's tools fail: exit 1, their output shown, nothing written ----------------------
awk -v h="[host $M]" '/^\[/ { inh = ($0 == h) } inh && /^prefix = / { $0 = "prefix = /nonexistent/zextras" } { print }' \
	"$SITE" >"$STATE/notools.ini"
grep -q '^prefix = /nonexistent/zextras$' "$STATE/notools.ini" || fail "test setup: no bad prefix"
cp -- "$STATE/notools.ini" "$STATE/notools.orig"
assert_rc 1 "the master's tools missing" "$RW" site discover --site "$STATE/notools.ini"
assert_contains "$T_ERR" "reading the master's directory on $M failed (exit status 1)" "the failure is said"
assert_contains "$T_OUT" "/nonexistent/zextras/bin/zmlocalconfig" "the master's own output is shown"
assert_contains "$T_ERR" "the site file is not changed" "and the file is not changed"
cmp -s "$STATE/notools.ini" "$STATE/notools.orig" || fail "the file changed after a failure"

t_log "at ${SECONDS}s"
# --- --dry-run: the MTA found, nothing written -----------------------------------------
assert_rc 0 "discover --dry-run" "$RW" site discover --site "$SITE" --dry-run
assert_contains "$T_OUT" "The master's directory lists 2 server(s):" "the directory's servers are listed"
assert_contains "$T_OUT" "  $M (directory-server, stats): master" "the master, with its services"
assert_contains "$T_OUT" "  $MTA ($MTA_SVC): mta, new to the site file" "the MTA is found at once"
assert_contains "$T_OUT" "[carbonio] mta: (not set) -> $MTA" "the change is shown"
assert_contains "$T_OUT" "--dry-run: $SITE is not written." "and not made"
cmp -s "$SITE" "$STATE/start.ini" || fail "--dry-run changed the file"

# --- discover: one line added, the rest of the file as it was --------------------------------
assert_rc 0 "discover" "$RW" site discover --site "$SITE"
assert_contains "$T_OUT" "site file $SITE updated." "the file is written"
run diff "$STATE/start.ini" "$SITE"
assert_eq "> mta = $MTA" "$(grep '^[<>]' <<<"$T_STDOUT")" "one line added: the MTA, named as the directory knows it"
grep -q "^master = $M   ; the only name we know$" "$SITE" || fail "the master line (and its comment) changed"
grep -A1 "^master = $M" "$SITE" | grep -q "^mta = $MTA$" || fail "mta is not next to the master"
assert_eq "# our site: written by hand, keep this comment" "$(head -n 1 "$SITE")" "the first comment stays"
assert_eq 640 "$(stat -c %a "$SITE")" "the file's mode is kept"
ls "$STATE"/site.ini.* >/dev/null 2>&1 && fail "a temporary file was left"
ok "no temporary file left"
# the lab's real roles: the MTA is the lab's MTA; no replica yet (none is bootstrapped)
assert_eq "$MTA" "$(sed -n 's/^mta = //p' "$LAB_DIR/site.ini")" "the discovered MTA is the lab's MTA"
grep -q '^replicas' "$SITE" && fail "a replica was written before any is installed"
ok "no replica before one is installed"
assert_rc 0 "the discovered file checks" "$RW" site check --site "$SITE"
# [dovecot] untouched
assert_eq "$(sed -n '/^\[dovecot\]/,/^\[/p' "$STATE/start.ini")" "$(sed -n '/^\[dovecot\]/,/^\[/p' "$SITE")" \
	"[dovecot] is untouched"

assert_rc 0 "discover again: nothing to change" "$RW" site discover --site "$SITE"
assert_contains "$T_OUT" "The site file already says so: nothing to change." "it says so"
assert_contains "$T_OUT" "  $MTA ($MTA_SVC): mta" "the MTA is listed"
assert_not_contains "$T_OUT" "new to the site file" "nothing is new"
assert_not_contains "$T_OUT" "updated." "and nothing is written"

t_log "at ${SECONDS}s"
# --- the master by its alias: the directory's name is said, the alias kept ----------------
sed -e "s/^master = $M /master = $LAB_MASTER_ALIAS /" -e "s/^\[host $M\]$/[host $LAB_MASTER_ALIAS]/" \
	"$STATE/start.ini" >"$STATE/alias.ini"
assert_rc 0 "discover with the master named by its alias" "$RW" site discover --site "$STATE/alias.ini"
assert_contains "$T_OUT" "The site names the master $LAB_MASTER_ALIAS; the directory knows it as $M (zimbra_server_hostname $M)." \
	"the directory's name for the master is said"
assert_contains "$T_OUT" "  $M (directory-server, stats): master" "the master is recognised"
grep -q "^master = $LAB_MASTER_ALIAS " "$STATE/alias.ini" || fail "the alias was replaced"
grep -q "^mta = $MTA$" "$STATE/alias.ini" || fail "the MTA was not written"
grep -q "^other_nodes" "$STATE/alias.ini" && fail "the master was taken for another node"
ok "the alias is kept; the master is not listed twice"

# --- nodes named by address: each asked which server it is, nothing doubled ------------------
lab_site_by_address | sed -e '/^replicas = /d' >"$STATE/byaddr.ini"
MA=$(node_addr master) MTAA=$(node_addr mta)
grep -q "^mta = $MTAA$" "$STATE/byaddr.ini" || fail "test setup: the MTA is not named by address"
cp -- "$STATE/byaddr.ini" "$STATE/byaddr.orig"
assert_rc 0 "discover on a site named by address" "$RW" site discover --site "$STATE/byaddr.ini"
assert_contains "$T_OUT" "The site names the master $MA; the directory knows it as $M" "the master's names are said"
assert_contains "$T_OUT" "  $MTAA calls itself $MTA" "the MTA named by address says which server it is"
assert_contains "$T_OUT" "  $MTA ($MTA_SVC): mta" "so it is the directory's MTA"
assert_not_contains "$T_OUT" "NOT in the master's directory" "and no node is stale"
assert_contains "$T_OUT" "nothing to change" "nothing to change"
cmp -s "$STATE/byaddr.ini" "$STATE/byaddr.orig" || fail "the file named by address was changed"

# --- a node the directory does not know: kept and reported, --prune takes it out ----------------
cp -- "$SITE" "$STATE/stale.ini"
sed -i -e "s/^mta = $MTA$/mta = $MTA\nother_nodes = gone.$LAB_DOMAIN/" "$STATE/stale.ini"
printf '\n# the old store, decommissioned\n[host gone.%s]\nport = 2222\n' "$LAB_DOMAIN" >>"$STATE/stale.ini"
cp -- "$STATE/stale.ini" "$STATE/stale.orig"
assert_rc 0 "discover with a stale node" "$RW" site discover --site "$STATE/stale.ini"
assert_contains "$T_OUT" "Named in the site file (other) but NOT in the master's directory: gone.$LAB_DOMAIN: kept (--prune takes it out)" \
	"the stale node is reported and kept"
assert_contains "$T_OUT" "nothing to change" "nothing changes without --prune"
cmp -s "$STATE/stale.ini" "$STATE/stale.orig" || fail "the file changed without --prune"
assert_rc 0 "discover --prune" "$RW" site discover --site "$STATE/stale.ini" --prune
assert_contains "$T_OUT" "gone.$LAB_DOMAIN: taken out (--prune), with its [host] section" "pruned"
assert_contains "$T_OUT" "[carbonio] other_nodes: \"gone.$LAB_DOMAIN\" -> (none)" "the change is shown"
grep -q "gone\.$LAB_DOMAIN" "$STATE/stale.ini" && fail "the stale node is still in the file"
grep -q "^# the old store, decommissioned" "$STATE/stale.ini" || fail "the admin's comment went"
assert_rc 0 "the pruned file checks" "$RW" site check --site "$STATE/stale.ini"

t_log "at ${SECONDS}s"
# --- a replica, once installed, is discovered ------------------------------------------------
sed "s/^mta = $MTA$/replicas = $R1\nmta = $MTA/" "$SITE" >"$STATE/install.ini"
assert_rc 0 "install replica1" "$RW" install --batch --yes --site "$STATE/install.ini" --replica "$R1"
assert_contains "$T_OUT" "install: complete." "the replica is installed"
t_log "at ${SECONDS}s"
assert_rc 0 "discover after the install" "$RW" site discover --site "$SITE"
assert_contains "$T_OUT" "The master's directory lists 3 server(s):" "three servers now"
assert_contains "$T_OUT" "  $R1 (" "the replica is listed"
assert_contains "$T_OUT" "): replica, new to the site file" "as a new replica"
assert_contains "$T_OUT" "[carbonio] replicas: (not set) -> $R1" "the change is shown"
grep -B1 "^mta = $MTA$" "$SITE" | grep -q "^replicas = $R1$" || fail "replicas is not written before mta"
ok "replicas = $R1 written"
assert_eq "$(sed -n 's/^replicas = //p' "$STATE/install.ini")" "$(sed -n 's/^replicas = //p' "$SITE")" \
	"the discovered replicas are the installed ones"
assert_rc 0 "install --batch --dry-run accepts the discovered file" \
	"$RW" install --batch --dry-run --site "$SITE"
assert_contains "$T_OUT" "Plan (" "it prints its plan"
