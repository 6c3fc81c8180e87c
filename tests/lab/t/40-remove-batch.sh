#!/bin/bash
# `replica-wizard remove --batch` on the lab:
#   - two replicas installed with the install batch (--answer-queries: the
#     master and the MTA point at both)
#   - --dry-run prints every node and command and contacts no node
#   - removing the master is refused
#   - remove replica1 while the MTA goes down mid-run: that node fails with a
#     clear message, --resume completes it; then every node's ldap_url, the
#     MTA's Postfix maps, zmreplchk and the site file say replica1 is gone,
#     and replica2 keeps working (In Sync, a new entry arrives)
#   - remove the last replica with --disable-ldap: everything points at the
#     master alone, replica2's slapd is stopped and LDAP is out of its
#     enabled services, the site file lists no replica
#   - no password in our output or the journal
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}  # make asan: build-asan/replica-wizard
[[ -x $RW ]] || fail "build replica-wizard first (make)"
SITE=$LAB_DIR/site.ini
M=$(node_ip master) R1=$(node_ip replica1) R2=$(node_ip replica2) MTA=$(node_ip mta)
P() { printf '%s/nodes/%s/opt/zextras' "$LAB_DIR" "$1"; }
PORT=$LAB_LDAP_PORT
STATE=$(mktemp -d)
export REPLICA_WIZARD_STATE_DIR=$STATE/state
trap 'rc=$?; rm -rf -- "$STATE"; (exit $rc); lab_test_end' EXIT

lc() { # NODE KEY: the node's localconfig value
	lab_ssh "$1" "su - zextras -c '$(P "$1")/bin/zmlocalconfig -m nokey $2'"
}
maps() { lab_ssh mta "sed -n 's/^server_host *= *//p' $(P mta)/conf/ldap-vmm.cf"; }
replchk() { lab_ssh master "su - zextras -c '$(P master)/libexec/zmreplchk'"; }
site_key() { # SECTION KEY: the value in the site file, or nothing
	awk -v s="[$1]" -v k="$2" '/^\[/ {in_s = ($0 == s)} in_s && $1 == k {sub(/^[^=]*= */, ""); print}' "$SITE"
}

# --- setup: two replicas answering queries ------------------------------------
# A running node has zmcontrol's service cache (zmcontrol status writes it);
# the MTA of a fresh lab has never run it.
lab_ssh mta "su - zextras -c '$(P mta)/bin/zmcontrol status'" >/dev/null 2>&1
assert_rc 0 "install both replicas, answering queries" \
	"$RW" install --batch --yes --answer-queries --site "$SITE"
printf '%s\n' "$T_OUT" >"$STATE/install.out"
BOTH="ldap://$R1:$PORT ldap://$R2:$PORT ldap://$M:$PORT"
assert_eq "$BOTH" "$(lc master ldap_url)" "the master points at both replicas"
assert_eq "$BOTH" "$(maps)" "the MTA's maps point at both replicas"
cp "$SITE" "$STATE/site.orig"

# --- dry run --------------------------------------------------------------------
assert_rc 0 "--dry-run" "$RW" remove --batch --dry-run --site "$SITE" --replica "$R1"
DRY=$T_OUT
for n in "$M" "$R2" "$MTA"; do
	assert_contains "$DRY" "node $n, as" "the plan shows node $n"
done
assert_not_contains "$DRY" "node $R1, as" "the removed replica is not contacted without --disable-ldap"
for c in "zmlocalconfig -m shell zimbra_server_hostname ldap_url ldap_master_url" \
	"zmlocalconfig -e ldap_url=" "zmlocalconfig -e ldap_bind_url=" "<node_url>" \
	"zmcontrol restart" "libexec/zmmtainit" "conf/ldap-vmm.cf" "libexec/zmreplchk" "stdin: $R1"; do
	assert_contains "$DRY" "$c" "the plan shows: $c"
done
assert_eq "$BOTH" "$(lc master ldap_url)" "--dry-run changed nothing"
assert_rc 0 "--dry-run --disable-ldap" "$RW" remove --batch --dry-run --disable-ldap --site "$SITE" --replica "$R1"
assert_contains "$T_OUT" "node $R1, as" "with --disable-ldap the removed replica takes part"
assert_contains "$T_OUT" "-zimbraServiceEnabled" "and its services are shown"

# --- refusals -------------------------------------------------------------------
assert_rc 2 "removing the master is refused" "$RW" remove --batch --yes --site "$SITE" --replica "$M"
assert_contains "$T_OUT ${T_ERR:-}" "refusing to remove the master" "the message says why"
assert_rc 2 "remove needs --replica" "$RW" remove --batch --yes --site "$SITE"

# --- remove replica1; the MTA goes down mid-run ----------------------------------
node_down() {
	local pid
	pid=$(cat "$LAB_DIR/nodes/$1/sshd/sshd.pid")
	pkill -KILL -P "$pid" 2>/dev/null
	kill -KILL "$pid"
}
"$RW" remove --batch --yes --site "$SITE" --replica "$R1" >"$STATE/run1.out" 2>&1 &
RUN=$!
# as soon as the master's ldap_url is written (its restart comes next)
wait_until 60 bash -c "grep -qP 'step=set-ldap-url\tnode=$M\tstate=done' $REPLICA_WIZARD_STATE_DIR/*.remove-replica.journal" ||
	fail "the run did not reach the master's ldap_url: $(cat "$STATE/run1.out")"
node_down mta
wait "$RUN"
rc=$?
RUN1=$(cat "$STATE/run1.out")
assert_eq 1 "$rc" "the run fails when the MTA goes down"
assert_contains "$RUN1" "ldap_url of every node, now and after the removal:" "the before/after table was shown"
assert_contains "$RUN1" "    after: ldap://$R2:$PORT ldap://$M:$PORT" "with the master's new value"
assert_contains "$RUN1" "FAILED: " "a step is reported failed"
grep -q "^FAILED: .* on $MTA: $MTA: " <<<"$RUN1" || fail "the failure does not name the MTA node: $RUN1"
ok "the failure names the MTA: $(grep "^FAILED: " <<<"$RUN1")"
assert_contains "$RUN1" "--resume" "the summary points at --resume"
assert_eq "ldap://$R2:$PORT ldap://$M:$PORT" "$(lc master ldap_url)" "the master was changed before the failure"
assert_eq "$R1 $R2" "$(site_key carbonio replicas)" "the site file is unchanged after a failed run"
"$LAB_SH" start-svc mta sshd >/dev/null || fail "cannot restart the MTA's sshd"

assert_rc 0 "--resume completes the removal" "$RW" remove --batch --yes --resume --site "$SITE" --replica "$R1"
printf '%s\n' "$T_OUT" >"$STATE/run2.out"
assert_contains "$T_OUT" "done by the earlier run" "completed steps are not run again"
assert_contains "$T_OUT" "remove: complete." "the run completes"
[[ $(grep -c "Restart Carbonio services (they read ldap_url at start)$" "$STATE/run1.out" "$STATE/run2.out" |
	awk -F: '{s+=$2} END {print s}') == 2 ]] || fail "services restarted other than once on the master and once on the MTA"
ok "services restarted once on the master and once on the MTA"

TWO="ldap://$R2:$PORT ldap://$M:$PORT"
assert_eq "$TWO" "$(lc master ldap_url)" "master ldap_url without replica1"
assert_eq "$TWO" "$(lc mta ldap_url)" "MTA ldap_url without replica1"
assert_eq "$TWO" "$(lc replica2 ldap_url)" "replica2 ldap_url unchanged"
assert_eq "ldap://$R1:$PORT ldap://$M:$PORT" "$(lc replica1 ldap_url)" "replica1's own ldap_url left alone"
assert_eq "ldap://$M:$PORT" "$(lc master ldap_bind_url)" "the master's slapd stays pinned to its own address"
assert_eq "$TWO" "$(maps)" "the MTA's Postfix maps point at the new list"
run replchk
assert_not_contains "$T_OUT" "ldap://$R1:" "zmreplchk on the master no longer lists replica1"
assert_contains "$T_OUT" "Replica: ldap://$R2:$PORT Code: 0 Status: In Sync" "replica2 is In Sync"
assert_eq "$R2" "$(site_key carbonio replicas)" "the site file lists replica2 only"
assert_eq "" "$(site_key "host $R1" prefix)" "replica1's [host] section is gone"
assert_eq "$(site_key "host $R2" prefix)" "$(P replica2)" "replica2's [host] section is kept"
assert_eq "$(grep -A1 '^\[dovecot\]' "$STATE/site.orig" | tail -1)" "$(site_key dovecot servers | sed 's/^/servers = /')" \
	"the rest of the site file is kept"

# replica2 keeps working: an account made on the master arrives
# (the default domain: a local one; gad lists an alias domain first)
run lab_ssh master "su - zextras -c '$(P master)/bin/zmprov -l gcf zimbraDefaultDomainName'"
DOMAIN=$(sed -n 's/^zimbraDefaultDomainName: //p' <<<"$T_STDOUT")
[[ -n $DOMAIN ]] || fail "no default domain on the master: $T_OUT"
ACCT=rw-remove-check@$DOMAIN
lab_ssh master "printf 'ca %s %s\n' $ACCT secret123 | su - zextras -c '$(P master)/bin/zmprov -l'" >/dev/null ||
	fail "cannot create $ACCT on the master"
wait_until 120 bash -c "ssh -F '$LAB_DIR/ssh/ssh_config' replica2 -- \"su - zextras -c '$(P replica2)/bin/zmprov -l gaa'\" | grep -qx '$ACCT'" ||
	fail "$ACCT did not reach replica2"
ok "an account created on the master reached replica2"
run replchk
assert_contains "$T_OUT" "Replica: ldap://$R2:$PORT Code: 0 Status: In Sync" "replica2 is In Sync after the change"

# --- remove the last replica, decommissioning it ------------------------------------
# replica1 was taken out without --disable-ldap: the master's directory still
# lists it (directory-server enabled) while the site file no longer names it,
# so the next removal stops until the admin skips it by name
run "$RW" remove --batch --yes --disable-ldap --site "$SITE" --replica "$R2"
assert_eq 2 "$T_RC" "a server the site file no longer names stops the removal"
assert_contains "$T_OUT" "$R1 (stats, directory-server)" "it names replica1 and its roles"
assert_rc 0 "remove the last replica with --disable-ldap, skipping replica1" \
	"$RW" remove --batch --yes --disable-ldap --site "$SITE" --replica "$R2" --skip-node "$R1"
printf '%s\n' "$T_OUT" >"$STATE/run3.out"
assert_contains "$T_OUT" "$R2 (replica, removed, decommissioned)" "the table shows replica2 decommissioned"
ONE="ldap://$M:$PORT"
for n in master mta replica2; do
	assert_eq "$ONE" "$(lc $n ldap_url)" "$n ldap_url is the master alone"
done
assert_eq "$ONE" "$(maps)" "the MTA's maps point at the master alone"
run replchk
assert_eq "" "$T_OUT" "zmreplchk on the master lists no replica"
# (`ldap status` refuses now: the replica guard)
assert_eq "" "$(ss -Hltn "src $R2:$PORT")" "replica2's slapd is stopped (nothing listens on $R2:$PORT)"
run lab_ssh master "su - zextras -c '$(P master)/bin/zmprov -l gs $R2 zimbraServiceEnabled'"
assert_not_contains "$T_OUT" "zimbraServiceEnabled: ldap" "ldap is out of replica2's enabled services"
assert_not_contains "$T_OUT" "zimbraServiceEnabled: directory-server" "and so is directory-server"
assert_eq "" "$(site_key carbonio replicas)" "the site file lists no replica"
assert_eq "$M" "$(site_key carbonio master)" "the site file keeps its master"
run "$RW" site check --site "$SITE"
assert_eq 0 "$T_RC" "the updated site file is valid"

# --- secrets -------------------------------------------------------------------------
for f in "$STATE"/run*.out "$REPLICA_WIZARD_STATE_DIR"/*; do
	! grep -qF -- "$LAB_PASS" "$f" || fail "the password is in $f"
done
ok "no password in the wizard's output or journal"
