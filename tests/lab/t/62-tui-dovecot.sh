#!/bin/bash
# The wizard's "Configure Dovecot replication" end to end on the lab,
# through tmux (160x48), from the bare Dovecot pair: home 3 -> the settings
# (the two servers, port and max_conns from the site file; a doveadm
# password typed masked, a too short one refused) -> Connect, accepting the
# unknown host keys -> Preflight shows each server's partner address and
# the config diff -> Plan review -> Run (both servers' panes) -> the finish
# screen offers the dashboard; then a message saved on each server by plain
# ssh arrives on the other, both configs hold the typed password, and it is
# nowhere on screen, in the log, the journal, the site file or a process list.
# A second session finds the journal complete, asks the nodes (preflight and
# verify-configured) and says they confirm it; a third, after imap2's
# 10-replication.conf was removed, says the check failed and runs it all again.
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
. "$(dirname -- "$0")/../lib/tui.sh"
lab_test_begin
lab_up

lab_rw
N1=imap1 N2=imap2
IP1=$(node_ip $N1) IP2=$(node_ip $N2)
CD1=$LAB_DIR/nodes/$N1/dovecot/conf.d CD2=$LAB_DIR/nodes/$N2/dovecot/conf.d
PW="Tui-Typed-$RANDOM$RANDOM-pass"
STATE=$(mktemp -d)
SAMPLES=$STATE/ps-samples
cleanup() {
	[[ -n ${SAMPLER:-} ]] && kill "$SAMPLER" 2>/dev/null
	rm -rf -- "$STATE"
}
lab_on_exit cleanup
tui_setup rw-tui-dv
unset REPLICA_WIZARD_DOVEADM_PASSWORD

site_with_known_hosts "$LAB_DIR/site.ini" "$STATE/site.ini" "$STATE/known_hosts"

(while :; do ps -e -ww -o args= >>"$SAMPLES" 2>/dev/null; sleep 0.05; done) &
SAMPLER=$!

tui_start --site "$STATE/site.ini"
wait_for 10 "Configure Dovecot replication"
keys 3
wait_for 5 "First Dovecot server"
S=$(screen)
assert_contains "$S" "[$IP1" "the first server comes from the site file"
assert_contains "$S" "[$IP2 " "the second server comes from the site file"
assert_contains "$S" "[$LAB_DOVEADM_PORT " "the port comes from the site file"
# to the password field: type one that Dovecot's rules refuse, then ours
for _ in 1 2 3 4; do keys Tab; done
keys Enter
wait_for 5 "doveadm_password for both servers"
keys -l "short"
keys Enter
wait_for 5 "at least 12 characters"
for _ in 1 2 3 4 5; do keys BSpace; done
keys -l "$PW"
assert_not_contains "$(screen)" "$PW" "the typed password is masked"
keys Enter
wait_for 5 "typed, hidden"
keys Tab Enter
wait_accepting 30 "2 Preflight"
assert_eq 2 "$(grep -c . "$STATE/known_hosts")" "both servers' keys were accepted"
wait_for 90 "Enter: confirm and review the plan"
S=$(screen)
# (IPv6 on the dual-stack netns lab only)
addr6() { if lab_netns; then node_addr6 "$1"; else echo none; fi; }
assert_contains "$S" "partner $IP2 (IPv4: $(node_addr $N2); IPv6: $(addr6 $N2))" "imap1's partner address as resolved on imap1"
assert_contains "$S" "partner $IP1 (IPv4: $(node_addr $N1); IPv6: $(addr6 $N1))" "imap2's partner address as resolved on imap2"
assert_contains "$S" "doveadm password: typed in the wizard" "the typed password is used"
assert_contains "$S" "10-replication.conf yet: it will be created" "the config diff is shown"
assert_not_contains "$S" "$PW" "the password is not on the preflight page"
ok "preflight with the partner addresses for confirmation"
keys Enter
wait_for 10 "3 Plan review"
assert_not_contains "$(screen)" "$PW" "the plan shows no password"
keys Enter
wait_for 10 "4 Run"
wait_for 20 "Write 10-replication.conf"
S=$(screen)
# the two panes' titles on one row (the step list names one node a line)
grep -qE -- "$IP1 .*$IP2 " <<<"$S" || { printf '%s\n' "$S"; fail "the two servers' panes are not side by side"; }
ok "both servers' panes side by side"
wait_for 300 "Dovecot replicates both ways: a test message went each way."
assert_contains "$(screen)" "d open the dashboard" "the finish screen offers the dashboard"
keys q
wait_rc
assert_eq 0 "$(cat "$STATE/rc")" "the wizard exits 0"

# --- again: the journal says complete, the wizard asks the nodes -------------
tui_start --site "$STATE/site.ini"
wait_for 10 "Configure Dovecot replication"
keys 3
wait_for 5 "First Dovecot server"
for _ in 1 2 3 4 5; do keys Tab; done
keys Enter
wait_for 60 "Already complete: the nodes confirm it"
S=$(screen)
assert_contains "$S" "Replication configured" "the read-only check ran"
assert_not_contains "$S" "a test message went each way" "and no test message is claimed"
keys q
wait_rc
assert_eq 0 "$(cat "$STATE/rc")" "the wizard exits 0 after the check"

# --- and with imap2's config gone: the check fails, the procedure runs again --
rm -f -- "$CD2/10-replication.conf"
assert_rc 0 "$N2: doveadm reload without 10-replication.conf" lab_ssh $N2 doveadm reload
tui_start --site "$STATE/site.ini"
wait_for 10 "Configure Dovecot replication"
keys 3
wait_for 5 "First Dovecot server"
for _ in 1 2 3 4 5; do keys Tab; done
keys Enter
wait_for 90 "Enter: confirm and review the plan"
assert_contains "$(screen)" "The nodes no longer confirm it" "the preflight page says the check failed"
keys Enter
wait_for 10 "3 Plan review"
keys Enter
wait_for 300 "Dovecot replicates both ways: a test message went each way."
keys q
wait_rc
assert_eq 0 "$(cat "$STATE/rc")" "the wizard exits 0 after running again"
[[ -f $CD2/10-replication.conf ]] || fail "$N2 has no 10-replication.conf after the run"
ok "$N2 has its 10-replication.conf again"

for cd in "$CD1" "$CD2"; do
	assert_eq "$PW" "$(sed -n 's/^doveadm_password = //p' "$cd/10-replication.conf")" "$cd holds the typed password"
done

# --- a message each way, by plain ssh ---------------------------------------------
maildir() { echo "$LAB_DIR/nodes/$1/mail/example.com/$2/Maildir"; }
send() { # NODE SUBJECT
	printf 'From: t@example.com\nTo: user2@example.com\nSubject: %s\n\nbody\n' "$2" |
		lab_ssh "$1" "doveadm save -u user2@example.com"
}
for dir in "$N1 $N2" "$N2 $N1"; do
	set -- $dir
	SUBJ="tui-62-$1-to-$2-$RANDOM"
	assert_rc 0 "save a message on $1" send "$1" "$SUBJ"
	wait_until 60 grep -rlsqx -- "Subject: $SUBJ" "$(maildir "$2" user2)/new" "$(maildir "$2" user2)/cur" ||
		fail "the message saved on $1 never reached $2"
	ok "a message saved on $1 arrived on $2"
done
# netns: the wizard's rich rules are real (imap1's site firewall): the
# partner reaches doveadm's port, a third node does not, over IPv4 and IPv6.
if lab_netns; then
	for a in "$(node_addr $N1)" "$(node_addr6 $N1)"; do
		run lab_ssh $N2 "bash -c 'exec 3<>/dev/tcp/$a/$LAB_DOVEADM_PORT' && echo open"
		assert_eq open "$T_STDOUT" "the partner $N2 reaches doveadm on $a"
		run lab_ssh master "bash -c 'exec 3<>/dev/tcp/$a/$LAB_DOVEADM_PORT' && echo open"
		assert_contains "$T_ERR" "Connection refused" "a third node (master) does not reach doveadm on $a"
	done
fi

kill "$SAMPLER" 2>/dev/null
SAMPLER=
! grep -qF -- "$PW" "$SAMPLES" || fail "the password is in a process list"
for f in "$STATE/site.ini" "$STATE/state"/*; do
	! grep -qF -- "$PW" "$f" || fail "the password is in $f"
done
ok "no password in a process list, the site file, the log or the journal"
