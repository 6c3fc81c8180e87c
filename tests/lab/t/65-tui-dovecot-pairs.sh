#!/bin/bash
# The wizard's Dovecot flow on a site with two pairs (issue 14 §3: "a choice
# in the TUI"), through tmux (160x48): home 3 -> the pair list (default:
# imap1 + imap2, pair2: imap3 + imap4) -> pair2's settings (its servers) ->
# Connect -> Preflight -> Plan review -> Run, aborted when imap4's config
# cannot be written (its conf_dir made group-writable after the preflight),
# imap3's written. Reopened on the default pair, nothing is continued
# (each pair has its own journal) and nothing is changed (it quits at the
# preflight). Reopened on pair2, the wizard continues the run cut short and
# finishes it: mail replicates between imap3 and imap4 both ways and not to
# the default pair, imap1 and imap2 never got a config, and the site file
# keeps both pairs as they were ([dovecot pair2] inherits [dovecot]'s port).
. "$(dirname -- "$0")/../lib/testlib.sh"
. "$(dirname -- "$0")/../lib/rw.sh"
. "$(dirname -- "$0")/../lib/mail.sh"
. "$(dirname -- "$0")/../lib/tui.sh"
lab_test_begin
lab_needs_dovecot_pairs
lab_up

lab_rw
H1=$(node_host imap1) H2=$(node_host imap2) H3=$(node_host imap3) H4=$(node_host imap4)
PORT=$LAB_DOVEADM_PORT
STATE=$(mktemp -d)
JDIR=$STATE/state
cleanup() { rm -rf -- "$STATE"; }
lab_on_exit cleanup
tui_setup rw-tui-dvp
unset REPLICA_WIZARD_DOVEADM_PASSWORD
conf() { echo "$LAB_DIR/nodes/$1/dovecot/conf.d/10-replication.conf"; }

SITE=$STATE/site.ini
site_with_known_hosts "$LAB_DIR/site.ini" "$SITE" "$STATE/known_hosts"
grep -q "^\[dovecot pair2\]" "$SITE" || fail "the lab's site has no second pair"
section() { awk -v s="[$1]" '/^\[/ { on = ($0 == s); next } on' "$SITE"; }
DEFAULT_BEFORE=$(section dovecot)

start() {
	tui_start --site "$SITE"
	wait_for 10 "Configure Dovecot replication"
}
quit_rc() { # the exit status once it quit
	wait_rc
	cat "$STATE/rc"
}
# from the pair list: DOWN presses, Enter, then Connect (accepting new keys)
# up to the preflight's question
choose_and_connect() {
	keys 3
	wait_for 5 "choose the one to set up"
	local i
	for ((i = 0; i < $1; i++)); do keys Down; done
	keys Enter
	wait_for 5 "First Dovecot server"
	for _ in 1 2 3 4 5; do keys Tab; done
	keys Enter
	wait_accepting 30 "2 Preflight"
	wait_for 90 "Enter: confirm and review the plan"
}

# --- pair2 chosen in the list, run, cut short ------------------------------------
start
keys 3
wait_for 5 "The site file names 2 Dovecot pairs: choose the one to set up."
S=$(screen)
assert_contains "$S" "1 Pair" "the pair list is the first step"
assert_contains "$S" "default         $H1 + $H2" "the list shows the default pair"
assert_contains "$S" "pair2           $H3 + $H4" "the list shows pair2"
keys Down Enter
wait_for 5 "Pair pair2: two-way replication"
S=$(screen)
assert_contains "$S" "[$H3" "pair2's first server"
assert_contains "$S" "[$H4 " "pair2's second server"
assert_contains "$S" "[$PORT " "[dovecot]'s port (pair2 inherits it)"
assert_contains "$S" "[dovecot pair2]" "saved to pair2's section"
keys Escape
wait_for 5 "choose the one to set up"
ok "Esc on the settings goes back to the pair list"
keys Escape
wait_for 5 "What do you want to do?"
choose_and_connect 1
S=$(screen)
assert_contains "$S" "partner $H4" "imap3's partner is imap4"
assert_contains "$S" "partner $H3" "imap4's partner is imap3"
assert_not_contains "$S" "$H1" "pair2's preflight never names imap1"
assert_not_contains "$S" "Continuing the run" "a first run continues nothing"
ok "pair2 chosen in the TUI: its preflight"
# imap4's conf_dir writable by its group: write-config refuses it there (a
# fault after the preflight, so that the run stops with imap3's config done)
CD4=$LAB_DIR/nodes/imap4/dovecot/conf.d
chmod g+w "$CD4"
keys Enter
wait_for 10 "3 Plan review"
keys Enter
wait_for 10 "4 Run"
# the step's hint, not its message: the message starts with the lab's path,
# so where it wraps on the screen depends on LAB_DIR's length
wait_for 60 "hint: The file could not be written in conf_dir"
screen | grep -q "must be a" || fail "the failure does not say why (conf.d must be a directory of root's)"
keys a
wait_for 30 "did not finish"
chmod g-w "$CD4"
keys q
assert_eq 0 "$(quit_rc)" "the wizard exits 0 after the abort"
[[ -e $(conf imap3) && ! -e $(conf imap4) ]] || fail "the abort did not come between imap3's and imap4's config"
! grep -q 'event=end	state=complete' "$JDIR"/*.dovecot.pair2.journal || fail "pair2's cut-short run is complete"
ok "pair2's run was cut short after imap3's config was written"

# --- the default pair: its own journal, nothing to continue -------------------------
start
choose_and_connect 0
S=$(screen)
assert_contains "$S" "partner $H2" "the default pair's preflight: imap1's partner is imap2"
assert_not_contains "$S" "Continuing the run" "the default pair does not continue pair2's run"
assert_not_contains "$S" "The journal says this finished" "nor claims it finished"
assert_not_contains "$S" "$H3" "the default pair's preflight never names imap3"
keys q
wait_for 5 "Quit without applying changes?"
keys y
assert_eq 0 "$(quit_rc)" "the wizard exits 0 at the preflight"
[[ ! -e $(conf imap1) && ! -e $(conf imap2) ]] || fail "the default pair got a config"
ok "the default pair was checked, not changed, and continues nothing"

# --- pair2 again: the run cut short continues and finishes ---------------------------
start
choose_and_connect 1
assert_contains "$(screen)" "Continuing the run that was cut short earlier" "pair2 continues its own run"
keys Enter
wait_for 10 "3 Plan review"
keys Enter
wait_for 300 "Dovecot replicates both ways: a test message went each way."
keys q
assert_eq 0 "$(quit_rc)" "the wizard exits 0 after pair2's run"
J2=$(cat "$JDIR"/*.dovecot.pair2.journal)
assert_eq 1 "$(grep -c 'event=resume' <<<"$J2")" "pair2's journal: the run was resumed once"
assert_eq 1 "$(grep -c "step=write-config	node=$H3	state=done" <<<"$J2")" "imap3's config was written once"
assert_eq 1 "$(grep -c "step=write-config	node=$H4	state=done" <<<"$J2")" "imap4's config was written by the resumed run"
assert_contains "$(tail -1 <<<"$J2")" "event=end	state=complete" "pair2's run is complete"
! grep -qs 'step=write-config' "$JDIR"/*.dovecot.journal || fail "the default pair's journal records a change"
ok "pair2 continued its run; the default pair's journal records no change"

# --- what t/52 checks for pair2: the configs and mail both ways, within the pair ----
assert_contains "$(cat "$(conf imap3)")" "mail_replica = tcp:$H4:$PORT" "imap3 replicates to imap4"
assert_contains "$(cat "$(conf imap4)")" "mail_replica = tcp:$H3:$PORT" "imap4 replicates to imap3"
[[ ! -e $(conf imap1) && ! -e $(conf imap2) ]] || fail "pair2's run configured the default pair"
ok "imap1 and imap2 are untouched"
S3=tui-pairs-from-imap3-$RANDOM S4=tui-pairs-from-imap4-$RANDOM
save_on imap3 user1 "$S3" || fail "doveadm save on imap3"
save_on imap4 user1 "$S4" || fail "doveadm save on imap4"
wait_until 60 has_body imap4 user1 "$S3" || fail "imap3's message never reached imap4"
ok "imap3's message reached its partner imap4"
wait_until 60 has_body imap3 user1 "$S4" || fail "imap4's message never reached imap3"
ok "imap4's message reached its partner imap3"
sleep 3 # a replication to the other pair would have happened by now
for n in imap1 imap2; do
	! has_body $n user1 "$S3" && ! has_body $n user1 "$S4" || fail "pair2's message reached $n"
	! has_body $n user1 "mailbox on imap3" || fail "imap3's Welcome reached $n (the other pair)"
done
ok "no message crossed to the default pair"

# --- the site file: both pairs as they were ------------------------------------------
assert_eq "$DEFAULT_BEFORE" "$(section dovecot)" "[dovecot] is unchanged"
P2=$(section "dovecot pair2")
assert_contains "$P2" "servers = $H3 $H4" "[dovecot pair2] keeps its servers"
assert_not_contains "$P2" "port" "[dovecot pair2] still inherits [dovecot]'s port"
