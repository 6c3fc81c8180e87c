#!/bin/bash
# `replica-wizard dovecot --batch` on the lab, from the bare Dovecot pair:
#   - the run ends with mail replicating both ways (its own verification, and
#     the Welcome messages of imap1 on imap2)
#   - 10-replication.conf is 0600 root:root on both; calls.log holds exactly
#     the expected SELinux/firewalld calls (imap1: Enforcing + firewalld
#     running, partner address only; imap2: Disabled + not running)
#   - a wrong password on one side (edited after the run, reloaded) is caught
#     by `dovecot --batch --verify` with the right explanation
#   - a second run asks the nodes (verify-configured) instead of trusting the
#     journal; with one server's 10-replication.conf removed it runs again
#   - a 2.4 version string is refused at preflight with the explanation
#   - a conf_dir that group or others can write to is refused (the config's
#     temporary file is written there by name)
#   - the doveadm password never appears in sampled process lists, our
#     output or the journal
. "$(dirname -- "$0")/../lib/testlib.sh"
lab_test_begin
lab_up

ROOT=$(cd -- "$(dirname -- "$0")/../../.." && pwd)
RW=${REPLICA_WIZARD_BIN:-$ROOT/replica-wizard}  # make asan: build-asan/replica-wizard
[[ -x $RW ]] || fail "build replica-wizard first (make)"
SITE=$LAB_DIR/site.ini
N1=imap1 N2=imap2
IP1=$(node_ip $N1) IP2=$(node_ip $N2)
# The netns lab names its nodes; this test names them by ADDRESS (a variant of
# the lab's site file), as some admins do: the one test that does. (t/62 runs
# the same setup by name: IPv6 partner addresses and rules too.)
A1=$(node_addr $N1) A2=$(node_addr $N2)
if lab_netns; then
	IP1=$A1 IP2=$A2
	SITE=$LAB_DIR.site-by-address.ini
	lab_site_by_address >"$SITE"
	grep -q "^servers = $A1 $A2\$" "$SITE" || fail "no addresses in $SITE: $(cat "$SITE")"
	ok "site file by address: servers = $A1 $A2"
fi
# The partners' addresses as the wizard resolves them (an IPv4 literal has
# none for IPv6), and the rich rules it adds for a partner, as given / as
# firewalld lists them.
addr6() { echo none; }
rich_rules() { # NODE
	printf 'rule family="ipv4" source address="%s/32" port protocol="tcp" port="%s" accept\n' "$(node_addr "$1")" "$PORT"
}
canonical() { sed 's/port protocol="tcp" port="\([0-9]*\)"/port port="\1" protocol="tcp"/'; }
PORT=$LAB_DOVEADM_PORT
CD1=$LAB_DIR/nodes/$N1/dovecot/conf.d CD2=$LAB_DIR/nodes/$N2/dovecot/conf.d
STATE=$(mktemp -d)
SAMPLES=$STATE/ps-samples
export REPLICA_WIZARD_STATE_DIR=$STATE/state
unset REPLICA_WIZARD_DOVEADM_PASSWORD
cleanup() {
	[[ -n ${SAMPLER:-} ]] && kill "$SAMPLER" 2>/dev/null
	rm -rf -- "$STATE" "$LAB_DIR.site-by-address.ini"
}
lab_on_exit cleanup

sample_processes() {
	while :; do
		ps -e -ww -o args= >>"$SAMPLES" 2>/dev/null
		sleep 0.02
	done
}
sample_processes &
SAMPLER=$!

# --- dry run: nothing runs, the plan names both servers ----------------------
assert_rc 0 "dry run" "$RW" dovecot --batch --dry-run --site "$SITE"
assert_contains "$T_OUT" "node $IP1, as root" "the plan names $IP1"
assert_contains "$T_OUT" "node $IP2, as root" "the plan names $IP2"
[[ ! -e $CD1/10-replication.conf && ! -e $CD2/10-replication.conf ]] || fail "dry run wrote a file"
assert_eq "" "$(cat "$LAB_DIR/nodes/$N1/calls.log" "$LAB_DIR/nodes/$N2/calls.log")" "dry run called nothing"

# --- a probe whose answer cannot be read stops the run (fail closed) --------
printf 'Enforcing\nlibselinux: a stray warning\n' >"$LAB_DIR/nodes/$N1/selinux-state"
assert_rc 1 "a getenforce answer that cannot be read stops the run" \
	"$RW" dovecot --batch --yes --site "$SITE"
assert_contains "$T_OUT" "cannot tell whether SELinux is enforcing" "it says what it cannot tell"
assert_not_contains "$T_OUT" "skipped (no SELinux policy to change)" "SELinux is not silently skipped"
[[ ! -e $CD1/10-replication.conf && ! -e $CD2/10-replication.conf ]] || fail "a config was written anyway"
assert_eq "" "$(grep -v '^firewall-cmd --state$' "$LAB_DIR/nodes/$N1/calls.log" "$LAB_DIR/nodes/$N2/calls.log")" \
	"nothing was changed on either server"
echo Enforcing >"$LAB_DIR/nodes/$N1/selinux-state"
: >"$LAB_DIR/nodes/$N1/calls.log"
: >"$LAB_DIR/nodes/$N2/calls.log"
rm -rf -- "$REPLICA_WIZARD_STATE_DIR"

# --- the run -----------------------------------------------------------------
assert_rc 0 "dovecot --batch from the bare pair" "$RW" dovecot --batch --yes --site "$SITE"
printf '%s\n' "$T_OUT" >"$STATE/run1.out"
assert_contains "$T_OUT" "dovecot: complete." "the run completes"
assert_contains "$T_OUT" "partner $IP2 (IPv4: $A2; IPv6: $(addr6 $N2))" "imap1's partner address, resolved on imap1"
assert_contains "$T_OUT" "partner $IP1 (IPv4: $A1; IPv6: $(addr6 $N1))" "imap2's partner address, resolved on imap2"
assert_contains "$T_OUT" "older than 2.3.20" "2.3.19 warns about the replication queue"
assert_contains "$T_OUT" "only $IP1 holds mail" "no INBOX GUID conflict reported"
n=$(grep -c "the partner's test message arrived after" <<<"$T_OUT")
assert_eq 2 "$n" "the test messages arrived both ways"
# no test message before both servers report a finished full sync of the user
last_sync=$(grep -n 'A finished full sync of the test user' <<<"$T_OUT" | tail -n 1 | cut -d: -f1)
first_save=$(grep -n 'Save a marked test message' <<<"$T_OUT" | head -n 1 | cut -d: -f1)
[[ -n $last_sync && -n $first_save ]] && ((last_sync < first_save)) ||
	fail "the full-sync check (line ${last_sync:-none}) must come before the first save (line ${first_save:-none})"
ok "the test message is saved only after the full sync on both servers"

for cd in "$CD1" "$CD2"; do
	assert_eq "600 root:root" "$(stat -c '%a %U:%G' "$cd/10-replication.conf")" "$cd/10-replication.conf is 0600 root:root"
	[[ -z $(find "$cd" -name '.10-replication.conf.*') ]] || fail "temporary file left in $cd"
done
PW=$(sed -n 's/^doveadm_password = //p' "$CD1/10-replication.conf")
[[ ${#PW} -ge 20 ]] || fail "no strong password in the file"
assert_eq "$PW" "$(sed -n 's/^doveadm_password = //p' "$CD2/10-replication.conf")" "the same password on both"
assert_contains "$(cat "$CD1/10-replication.conf")" "mail_replica = tcp:$IP2:$PORT" "imap1 replicates to imap2"
assert_contains "$(cat "$CD2/10-replication.conf")" "mail_replica = tcp:$IP1:$PORT" "imap2 replicates to imap1"

run cat "$LAB_DIR/nodes/$N1/calls.log"
# imap1's interface toward imap2 is in zone "internal" (lab.sh): the rule goes
# there, not to the default zone, and is checked active after the reload
DEV=$(lab_ssh $N1 ip -o route get "$IP2" | sed -n 's/.* dev \([^ ]*\).*/\1/p')
assert_eq "firewall-cmd --state
firewall-cmd --get-zone-of-source=$IP2
firewall-cmd --get-zone-of-interface=$DEV
setsebool -P nis_enabled on
$(rich_rules $N2 | sed "s/^/firewall-cmd --permanent --zone=internal '--add-rich-rule=/; s/\$/'/")
firewall-cmd --reload
$(rich_rules $N2 | sed "s/^/firewall-cmd --zone=internal '--query-rich-rule=/; s/\$/'/")" \
	"$T_OUT" "$N1: calls.log (Enforcing, firewalld running, partner in zone internal)"
run cat "$LAB_DIR/nodes/$N2/calls.log"
assert_eq "firewall-cmd --state" "$T_OUT" "$N2: calls.log (SELinux Disabled, firewalld not running)"
run lab_ssh $N1 firewall-cmd --zone=internal --list-rich-rules
assert_eq "$(rich_rules $N2 | canonical)" "$T_OUT" "$N1: the partner's address only"
# netns: the rules are real (imap1's site firewall): the partner reaches
# doveadm's port over IPv4, a third node does not; over IPv6 (no rule: the
# partner was given by its IPv4 address) neither does.
if lab_netns; then
	run lab_ssh $N2 "bash -c 'exec 3<>/dev/tcp/$A1/$PORT' && echo open"
	assert_eq open "$T_STDOUT" "the partner $N2 reaches doveadm on $A1"
	run lab_ssh master "bash -c 'exec 3<>/dev/tcp/$A1/$PORT' && echo open"
	assert_contains "$T_ERR" "Connection refused" "a third node (master) does not reach doveadm on $A1"
	run lab_ssh $N2 "bash -c 'exec 3<>/dev/tcp/$(node_addr6 $N1)/$PORT' && echo open"
	assert_contains "$T_ERR" "Connection refused" "nor does the partner over IPv6 (no rule for it)"
fi

# Mail replicates: the Welcome of every user reached imap2; test mail is gone.
maildir() { echo "$LAB_DIR/nodes/$1/mail/example.com/$2/Maildir"; }
for u in user1 user2 user3; do
	wait_until 20 grep -rlsqx -- "Subject: Welcome" "$(maildir $N2 $u)/new" "$(maildir $N2 $u)/cur" ||
		fail "Welcome of $u never reached $N2"
done
ok "the Welcome messages of $N1 are on $N2"
for n in $N1 $N2; do
	wait_until 20 bash -c "! grep -rlsq -- '^Subject: rw-check-' $(maildir $n user1)/new $(maildir $n user1)/cur" ||
		fail "test messages left on $n"
done
ok "the test messages were expunged on both"

# --- again: complete, nothing changes ----------------------------------------
assert_rc 0 "dovecot --batch again" "$RW" dovecot --batch --yes --site "$SITE"
assert_contains "$T_OUT" "already complete: the nodes confirm it" "a second run reports complete, the nodes asked"
assert_contains "$T_OUT" "Replication configured (10-replication.conf names the partner; the replicator answers)" \
	"by the read-only check on both servers"
assert_not_contains "$T_OUT" "Save a marked test message" "no test message is sent"

# --- the journal says complete, the node does not: it runs again -------------
rm -f -- "$CD2/10-replication.conf"
assert_rc 0 "$N2: doveadm reload without 10-replication.conf" lab_ssh $N2 doveadm reload
assert_rc 0 "dovecot --batch with $N2's 10-replication.conf removed" "$RW" dovecot --batch --yes --site "$SITE"
assert_contains "$T_OUT" "the nodes no longer confirm it: Replication configured (10-replication.conf names the partner; the replicator answers) on $IP2: exit status 1: \"$CD2/10-replication.conf does not exist\"" \
	"it names the server and what is missing"
assert_contains "$T_OUT" "dovecot: complete." "and sets replication up again"
[[ -f $CD2/10-replication.conf ]] || fail "$N2 has no 10-replication.conf after the run"
ok "$N2 has its 10-replication.conf again"

# --- wrong password on one side ---------------------------------------------
sed -i 's/^doveadm_password = .*/doveadm_password = NotTheSamePassword1/' "$CD2/10-replication.conf"
assert_rc 0 "$N2: doveadm reload" lab_ssh $N2 doveadm reload
REPLICA_WIZARD_DOVECOT_WAIT=15 assert_rc 1 "--verify with a wrong password on $N2" \
	"$RW" dovecot --batch --yes --verify --site "$SITE"
printf '%s\n' "$T_OUT" >"$STATE/run2.out"
assert_contains "$T_OUT" "did not arrive on" "the verification times out"
assert_contains "$T_OUT" "likely cause: the doveadm_password differs between the two servers" \
	"and names the password mismatch"
assert_not_contains "$T_OUT" "NotTheSamePassword1" "the wrong password is not printed"

# --- 2.4 is refused at preflight ---------------------------------------------
"$LAB_SH" dovecot-version $N2 2.4.1 >/dev/null || fail "cannot fake 2.4.1"
# calls other than `firewall-cmd --state` (a read-only check)
changes() { cat "$LAB_DIR/nodes/$N1/calls.log" "$LAB_DIR/nodes/$N2/calls.log" | grep -vx 'firewall-cmd --state'; }
before=$(changes)
conf_before=$(md5sum "$CD1/10-replication.conf" "$CD2/10-replication.conf")
REPLICA_WIZARD_STATE_DIR=$STATE/state24 assert_rc 1 "2.4.1 on $N2 is refused" \
	"$RW" dovecot --batch --yes --site "$SITE"
printf '%s\n' "$T_OUT" >"$STATE/run3.out"
assert_contains "$T_OUT" "FAILED: Dovecot 2.3 (the replicator exists) on $IP2: Dovecot 2.4.1 (abcdef1234): Dovecot 2.4 and later no longer have the replicator" \
	"the refusal names the server and explains"
assert_contains "$T_OUT" "not run" "nothing after the checks ran"
assert_eq "$conf_before" "$(md5sum "$CD1/10-replication.conf" "$CD2/10-replication.conf")" "no config was written"
assert_eq "$before" "$(changes)" "the refused run made no SELinux or firewalld change"
"$LAB_SH" dovecot-version $N2 real >/dev/null

# --- a conf_dir others can write to: the config is not written there ---------
chmod g+w "$CD1"
conf_before=$(md5sum "$CD1/10-replication.conf")
REPLICA_WIZARD_STATE_DIR=$STATE/state-gw assert_rc 1 "a group-writable conf_dir on $N1 is refused" \
	"$RW" dovecot --batch --yes --site "$SITE"
printf '%s\n' "$T_OUT" >"$STATE/run4.out"
assert_contains "$T_OUT" "must be a directory of root's that only root can write to" "the refusal says why"
assert_eq "$conf_before" "$(md5sum "$CD1/10-replication.conf")" "nothing was written in it"
[[ -z $(find "$CD1" -name '.10-replication.conf.*') ]] || fail "temporary file left in $CD1"
chmod g-w "$CD1"

# --- secrets -----------------------------------------------------------------
kill "$SAMPLER"
SAMPLER=
[[ -s $SAMPLES ]] || fail "no process samples"
ok "$(grep -c . "$SAMPLES") process lines sampled"
! grep -qF -- "$PW" "$SAMPLES" || fail "the password appeared in a process list"
ok "no password in any sampled process list"
for f in "$STATE"/run*.out "$REPLICA_WIZARD_STATE_DIR"/* "$STATE"/state24/*; do
	! grep -qF -- "$PW" "$f" || fail "the password is in $f"
done
ok "no password in the wizard's output or journal"
run grep -rlF -- "$PW" "$LAB_DIR"
assert_eq "$CD1/10-replication.conf" "$T_OUT" "the password is only in imap1's config (imap2's was edited)"
